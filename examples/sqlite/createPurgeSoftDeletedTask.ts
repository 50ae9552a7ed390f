import type {DatabaseSync} from 'node:sqlite';
import type {SqliteClaim} from '../../src/adapters/sqlite/types.ts';
import type {ExampleTask} from '../postgres/types.ts';
import {isPurgeEligible} from './userAccount.ts';

/**
 * Hard-deletes accounts soft-deleted longer ago than the retention period (the PostgreSQL
 * example's task on SQLite). Each instruction is a user id; the batch the processor hands over is
 * deleted with one DELETE, then the processor records its executions COMPLETED. The delete is
 * idempotent: should the process die between the two, the reaper frees the executions and a
 * deleted row is never claimed again.
 */
export const createPurgeSoftDeletedTask = ({database}: {readonly database: DatabaseSync}): ExampleTask<SqliteClaim<number>> => {
  let purged = 0;

  return {
    claim: ({isActiveInstruction, limit, query}) => query(`
      SELECT u.id
      FROM user_account u
      WHERE ${isPurgeEligible('u')} AND NOT ${isActiveInstruction('u.id')}
      ORDER BY u.deleted_at
      LIMIT ?
    `, limit).map((row) => Number(row.id)),
    concurrency: 1_000,
    getDoneCount: () => purged,
    handleBatch: async (instructions) => {
      // Checked again: an account restored since it was claimed is left alone (and still completed).
      const deleted = database.prepare(`
        DELETE FROM user_account AS u
        WHERE u.id IN (SELECT value FROM json_each(?)) AND ${isPurgeEligible('u')}
        RETURNING id
      `).all(JSON.stringify(instructions));

      purged += deleted.length;
    },
    maxBatchSize: 250,
    name: 'purge_soft_deleted',
    notifyColumns: ['deleted_at'],
  };
};
