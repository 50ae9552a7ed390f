import type {ExampleTask} from './types.ts';

/**
 * purge_soft_deleted on any database: hard-deletes accounts soft-deleted longer ago than the
 * retention period. Each instruction is a user id; the batch the processor hands over is deleted
 * with one statement (`deleteEligible`, the database's SQL), then the processor records its
 * executions COMPLETED. The delete is idempotent: should the process die between the two, the
 * reaper frees the executions and a deleted row is never claimed again.
 */
export const createPurgeTask = <Claim>({claim, deleteEligible}: {
  /** Soft-deleted over the retention period ago and not an active instruction, oldest first. */
  readonly claim: Claim;
  /**
   * Deletes the accounts among `ids` that are still eligible (an account restored since it was
   * claimed is left alone, and its execution still completes); returns how many it deleted.
   */
  readonly deleteEligible: (ids: readonly number[]) => Promise<number> | number;
}): ExampleTask<Claim> => {
  let purged = 0;

  return {
    claim,
    concurrency: 1_000,
    getDoneCount: () => purged,
    handleBatch: async (instructions) => {
      // Awaited first: `purged += await …` would read `purged` before the batches running meanwhile add theirs.
      const deleted = await deleteEligible(instructions);

      purged += deleted;
    },
    maxBatchSize: 250,
    name: 'purge_soft_deleted',
    notifyColumns: ['deleted_at'],
  };
};
