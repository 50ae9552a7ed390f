import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import type {PostgresClaim} from '../../src/adapters/postgres/types.ts';
import {createPurgeTask} from '../shared/createPurgeTask.ts';
import type {ExampleTask} from '../shared/types.ts';
import {getUserAccountTable, isPurgeEligible} from './userAccount.ts';

const id = z.object({id: z.number()});

/** purge_soft_deleted (examples/shared/createPurgeTask.ts) in PostgreSQL's SQL: one DELETE a batch. */
export const createPurgeSoftDeletedTask = ({pool, schema}: {
  readonly pool: DatabasePool;
  readonly schema: string;
}): ExampleTask<PostgresClaim<number>> => {
  const table = getUserAccountTable(schema);

  return createPurgeTask<PostgresClaim<number>>({
    claim: ({isActiveInstruction, limit}) => sql.type(id)`
      SELECT u.id
      FROM ${table} u
      WHERE ${isPurgeEligible('u')} AND NOT ${isActiveInstruction(sql.fragment`u.id`)}
      ORDER BY u.deleted_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    `,
    deleteEligible: async (ids) => {
      const deleted = await pool.anyFirst(sql.type(id)`
        DELETE FROM ${table} AS u
        WHERE u.id = ANY(${sql.array(ids, 'int4')}) AND ${isPurgeEligible('u')}
        RETURNING u.id
      `);

      return deleted.length;
    },
  });
};
