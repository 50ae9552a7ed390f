import type {ProcessorBatchHandler} from '../../src/adapters/processor/types.ts';

/**
 * One of the example's tasks: how Planton claims its work and what the processor does with a batch
 * of it. `Claim` is the store's claim (PostgresClaim, MysqlClaim, SqliteClaim).
 */
export type ExampleTask<Claim> = {
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

/** What the seed holds, counted from the database after it is written. */
export type SeedCounts = {
  /** Emails already sent before the run (due in the past): must not be sent again. */
  readonly emailsAlreadySent: number;
  /** Live accounts with an email due and not sent: send_user_email's work. */
  readonly emailsDue: number;
  /** Emails due in the future: must stay unsent. */
  readonly emailsFuture: number;
  /** Accounts soft-deleted longer ago than the retention period: purge_soft_deleted's work. */
  readonly purgeEligible: number;
  /** Accounts soft-deleted within the retention period: must not be purged. */
  readonly recentlyDeleted: number;
  readonly users: number;
};

/** Rows each task still has to do, as the database sees them now. */
export type RemainingWork = {
  readonly emailsDue: number;
  readonly purgeEligible: number;
};

/** One database check after a run: what the database says next to what the seed implies. */
export type Check = {
  readonly actual: number;
  readonly expected: number;
  readonly label: string;
};
