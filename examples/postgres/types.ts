import type {PostgresClaim} from '../../src/adapters/postgres/types.ts';
import type {ProcessorBatchHandler} from '../../src/adapters/processor/types.ts';

/**
 * One of the example's tasks: how Planton claims its work and what the processor does with a batch
 * of it. `Claim` is the store's claim (PostgreSQL's by default; examples/mysql gives MySQL's).
 */
export type ExampleTask<Claim = PostgresClaim<number>> = {
  /** The rows claimed in one round (at most `limit`), locked with FOR UPDATE SKIP LOCKED. */
  readonly claim: Claim;
  /** How many instructions may be active at once (unless the task's row in the database says otherwise). */
  readonly concurrency: number;
  /** Rows done (purged, sent) since the start: rows that were no longer eligible when handled are not counted. */
  readonly getDoneCount: () => number;
  /**
   * Does the work of the instructions that arrived together; the processor then completes their
   * executions (or fails those the handler returns an error for).
   */
  readonly handleBatch: ProcessorBatchHandler<number>;
  /** Instructions per `handleBatch` call at most. */
  readonly maxBatchSize: number;
  readonly name: string;
  /** Updates of these columns of user_account wake the task (inserts always do). */
  readonly notifyColumns: readonly string[];
};
