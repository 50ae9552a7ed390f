import type {Pool, ResultSetHeader} from 'mysql2/promise';
import type {MysqlClaim} from '../../src/adapters/mysql/types.ts';
import {createPurgeTask} from '../shared/createPurgeTask.ts';
import type {ExampleTask} from '../shared/types.ts';
import {getUserAccountTable, isPurgeEligible} from './userAccount.ts';

/** purge_soft_deleted (examples/shared/createPurgeTask.ts) in MySQL's SQL: one DELETE a batch. */
export const createPurgeSoftDeletedTask = ({database, pool}: {
  readonly database: string;
  readonly pool: Pool;
}): ExampleTask<MysqlClaim<number>> => {
  const table = getUserAccountTable(database);

  return createPurgeTask<MysqlClaim<number>>({
    claim: ({isActiveInstruction, limit}) => ({
      sql: `
        SELECT u.id
        FROM ${table} u
        WHERE ${isPurgeEligible('u')} AND NOT ${isActiveInstruction('u.id')}
        ORDER BY u.deleted_at
        LIMIT ?
        FOR UPDATE SKIP LOCKED
      `,
      values: [limit],
    }),
    deleteEligible: async (ids) => {
      const [header] = await pool.query<ResultSetHeader>(`DELETE u FROM ${table} u WHERE u.id IN (?) AND ${isPurgeEligible('u')}`, [[...ids]]);

      return header.affectedRows;
    },
  });
};
