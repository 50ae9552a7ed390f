import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import type {ExampleTask} from './types.ts';
import {getUserAccountTable, isPurgeEligible} from './userAccount.ts';

const id = z.object({id: z.number()});

/**
 * Hard-deletes accounts soft-deleted longer ago than the retention period. Each instruction is a
 * user id; the batch the processor hands over is deleted with one DELETE, then the processor
 * records its executions COMPLETED (one statement too). The delete is idempotent: should the
 * process die between the two, the reaper frees the executions and a deleted row is never claimed again.
 */
export const createPurgeSoftDeletedTask = ({pool, schema}: {
  readonly pool: DatabasePool;
  readonly schema: string;
}): ExampleTask => {
  const table = getUserAccountTable(schema);
  let purged = 0;

  return {
    claim: ({isActiveInstruction, limit}) => sql.type(id)`
      SELECT u.id
      FROM ${table} u
      WHERE ${isPurgeEligible('u')} AND NOT ${isActiveInstruction(sql.fragment`u.id`)}
      ORDER BY u.deleted_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    `,
    concurrency: 1_000,
    getDoneCount: () => purged,
    handleBatch: async (instructions) => {
      // Checked again: an account restored since it was claimed is left alone (and still completed).
      const deleted = await pool.anyFirst(sql.type(id)`
        DELETE FROM ${table} AS u
        WHERE u.id = ANY(${sql.array(instructions, 'int4')}) AND ${isPurgeEligible('u')}
        RETURNING u.id
      `);

      purged += deleted.length;
    },
    maxBatchSize: 250,
    name: 'purge_soft_deleted',
    notifyColumns: ['deleted_at'],
  };
};
