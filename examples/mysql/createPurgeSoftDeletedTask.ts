import type {Pool, ResultSetHeader} from 'mysql2/promise';
import type {MysqlClaim} from '../../src/adapters/mysql/types.ts';
import type {ExampleTask} from '../postgres/types.ts';
import {getUserAccountTable, isPurgeEligible} from './userAccount.ts';

/**
 * Hard-deletes accounts soft-deleted longer ago than the retention period (examples/postgres's
 * task, in MySQL's SQL). The batch the processor hands over is deleted with one DELETE, then the
 * processor records its executions COMPLETED. The delete is idempotent: should the process die
 * between the two, the reaper frees the executions and a deleted row is never claimed again.
 */
export const createPurgeSoftDeletedTask = ({database, pool}: {
  readonly database: string;
  readonly pool: Pool;
}): ExampleTask<MysqlClaim<number>> => {
  const table = getUserAccountTable(database);
  let purged = 0;

  return {
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
    concurrency: 1_000,
    getDoneCount: () => purged,
    handleBatch: async (instructions) => {
      // Checked again: an account restored since it was claimed is left alone (and still completed).
      const [header] = await pool.query<ResultSetHeader>(`DELETE u FROM ${table} u WHERE u.id IN (?) AND ${isPurgeEligible('u')}`, [[...instructions]]);

      purged += header.affectedRows;
    },
    maxBatchSize: 250,
    name: 'purge_soft_deleted',
    notifyColumns: ['deleted_at'],
  };
};
