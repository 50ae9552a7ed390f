import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import type {PostgresStore} from '../../src/adapters/postgres/types.ts';
import type {ExampleTask} from './types.ts';
import {getUserAccountTable, isPurgeEligible} from './userAccount.ts';

const TASK_NAME = 'purge_soft_deleted';

const id = z.object({id: z.number()});

/**
 * Hard-deletes accounts soft-deleted longer ago than the retention period. Each instruction is a
 * user id; a batch of them is deleted with one DELETE, and their executions are completed in the
 * same transaction: the rows and the record that they were purged commit together, or not at all.
 */
export const createPurgeSoftDeletedTask = ({pool, schema, store}: {
  readonly pool: DatabasePool;
  readonly schema: string;
  readonly store: PostgresStore<number>;
}): ExampleTask => {
  const table = getUserAccountTable(schema);

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
    maximumBatchSize: 250,
    name: TASK_NAME,
    notifyColumns: ['deleted_at'],
    processBatch: async (instructions) => {
      return await pool.transaction(async (connection) => {
        // Checked again: an account restored since it was claimed is left alone (and still completed).
        const deleted = await connection.anyFirst(sql.type(id)`
          DELETE FROM ${table} AS u
          WHERE u.id = ANY(${sql.array(instructions, 'int4')}) AND ${isPurgeEligible('u')}
          RETURNING u.id
        `);

        // One statement for the batch. An execution the reaper ended meanwhile is skipped: the
        // delete is idempotent, so committing it anyway is harmless.
        await store.completeExecutions(instructions.map((instruction) => ({instruction, taskName: TASK_NAME})), {connection});

        return {done: deleted.length, errors: []};
      });
    },
  };
};
