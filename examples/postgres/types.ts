import type {PostgresClaim} from '../../src/adapters/postgres/types.ts';

/** What a batch of instructions came to: rows done, and the errors of those that failed. */
export type BatchResult = {
  readonly done: number;
  readonly errors: readonly unknown[];
};

/** One of the example's tasks: how Planton claims its work and how a batch of it is processed. */
export type ExampleTask = {
  /** The rows claimed in one round (at most `limit`), locked with FOR UPDATE SKIP LOCKED. */
  readonly claim: PostgresClaim<number>;
  /** How many instructions may be active at once (unless the task's row in the database says otherwise). */
  readonly concurrency: number;
  /** Instructions per batch handed to `processBatch`. */
  readonly maximumBatchSize: number;
  readonly name: string;
  /** Updates of these columns of user_account wake the task (inserts always do). */
  readonly notifyColumns: readonly string[];
  /** Does the work for a batch and completes each instruction's execution (failed ones: fails them). */
  readonly processBatch: (instructions: readonly number[]) => Promise<BatchResult>;
};
