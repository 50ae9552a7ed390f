import type {CommonQueryMethods, DatabasePool, FragmentSqlToken, QuerySqlToken} from 'slonik';
import type {Clock, TaskInstruction} from '../../planton/types.ts';
import type {DeadInstruction, ExecutionReference, FailExecutions, Store, SummarizeExecutions} from '../types.ts';

export type PostgresClaimContext<Instruction extends TaskInstruction = TaskInstruction> = {
  /** The active instructions the engine saw at the start of the round (empty when called directly). */
  readonly activeTaskInstructions: readonly Instruction[];
  /**
   * A condition that holds while `expression` (a column of the user's table holding the
   * instruction, e.g. ``sql.fragment`u.id` ``) has a RUNNING execution of this task, waits out the
   * backoff after a failed attempt (`retryDelay`), or is dead (`maxAttempts` failed attempts). Put
   * `AND NOT ${isActiveInstruction(sql.fragment`u.id`)}` in the claim query so that running,
   * backing-off and dead work is skipped, and failed or reaped work is claimable again once its
   * backoff has passed.
   */
  readonly isActiveInstruction: (expression: FragmentSqlToken) => FragmentSqlToken;
  readonly limit: number;
  readonly taskName: string;
};

/**
 * Returns the claim query: a statement whose first column is the instruction (a string or a finite
 * number), at most `limit` rows, e.g. `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED
 * LIMIT ${limit}) RETURNING id`. It runs in the same transaction as the execution inserts.
 */
export type PostgresClaim<Instruction extends TaskInstruction = TaskInstruction> = (context: PostgresClaimContext<Instruction>) => QuerySqlToken;

/**
 * Where wake-up notifications come from. `listen` resolves once the channel is listened on; the
 * callback also runs after a reconnection, since notifications sent meanwhile are lost.
 */
export type NotificationListener = {
  readonly listen: (channel: string, onNotification: (reason: 'NOTIFICATION' | 'RECONNECTED') => void) => Promise<() => Promise<void>>;
  readonly terminate: () => Promise<void>;
};

export type PostgresStoreConfiguration = {
  /**
   * Lets `getActiveTaskInstructions` answer from memory (what this store last read, plus what it
   * claimed, minus what it ended) while that view agrees with the database, saving a query per
   * round: the claim that follows then has the database refuse to take the task past its
   * `concurrency` (the store reads the active executions and claims again if it would). `false`
   * reads the database every round.
   * @default true
   */
  readonly activeFromMemory?: boolean;
  /**
   * Where time comes from: timestamps written to the database, heartbeat and reaper intervals.
   * @default the system clock
   */
  readonly clock?: Clock;
  /**
   * How often executions claimed by this store get their `last_seen_at` refreshed (milliseconds).
   * Keep it well below every task's `maximum_execution_duration`.
   * @default 10_000
   */
  readonly heartbeatInterval?: number;
  /**
   * Written to each execution's `hostname`.
   * @default os.hostname()
   */
  readonly hostname?: string;
  /**
   * Where wake-up notifications come from: `createPgNotificationListener` on a server,
   * `createPgliteNotificationListener` on PGlite. Without one, tasks rely on polling. The store
   * does not own it: `terminate()` unlistens the store's subscriptions, and a listener holds its
   * connection only while something listens through it, so a listener given to this store alone
   * closes with it, and one shared by several stores stays open until the last is terminated.
   * @default undefined
   */
  readonly listener?: NotificationListener;
  readonly pool: DatabasePool;
  /**
   * Run the store's own statements (claims, completions, heartbeats) as named prepared statements,
   * parsed and planned once per connection. A pool that drops them (slonik's default
   * `resetConnection` runs DISCARD ALL; PgBouncer in transaction mode) is detected on the first
   * statement that finds its name gone: naming then stops and that statement runs again unnamed.
   * Give the store a pool whose `resetConnection` keeps session state to keep the gain.
   * @default true
   */
  readonly preparedStatements?: boolean;
  /**
   * How often the reaper runs (milliseconds); `0` disables the loop (call `reap()` yourself).
   * @default 10_000
   */
  readonly reaperInterval?: number;
  /**
   * The PostgreSQL schema holding Planton's tables; created (with the tables) if missing.
   * @default 'planton'
   */
  readonly schema?: string;
};

export type InstallNotifyTriggerConfiguration = {
  /** Only updates of these columns notify; inserts always do. @default every column */
  readonly columns?: readonly string[];
  /** The user's table: a name resolved by the search_path, or `[schema, table]`. */
  readonly table: string | readonly [string, string];
  readonly taskName: string;
};

export type PostgresStore<Instruction extends TaskInstruction = TaskInstruction> = Store<Instruction, PostgresClaim<Instruction>> & {
  /** Completes inside the caller's transaction when `connection` is given (so the work and its record commit together). */
  readonly completeExecution: (reference: ExecutionReference<Instruction>, options?: {readonly connection?: CommonQueryMethods}) => Promise<void>;
  /**
   * Completes many executions in one statement, so one commit serves the whole batch (a processor
   * that completes thousands of executions a second should collect them and call this). Resolves
   * with the references that were not running (unknown, already ended, reaped, or given twice):
   * they are skipped, the others are completed. Inside the caller's transaction when `connection`
   * is given.
   */
  readonly completeExecutions: (references: ReadonlyArray<ExecutionReference<Instruction>>, options?: {readonly connection?: CommonQueryMethods}) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;
  /**
   * Fails many executions in one statement, each with its error (serialized), so one commit serves
   * the whole batch. Resolves with the references that were not running (unknown, already ended,
   * reaped, or given twice): they are skipped, the others are failed.
   */
  readonly failExecutions: FailExecutions<Instruction>;
  /**
   * Resolves with the references among `references` whose execution is not running (unknown,
   * already ended, reaped, or given twice), with one reading statement: no write and no commit.
   * A consumer checks a batch of messages with it before running them.
   */
  readonly findNotRunning: (references: ReadonlyArray<ExecutionReference<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;
  /**
   * Marks many executions alive in one statement and resolves with the references that are not
   * running (unknown, already ended, reaped, or given twice). A consumer that must not run work
   * whose execution already ended checks a whole batch of messages with one call.
   */
  readonly heartbeatExecutions: (references: ReadonlyArray<ExecutionReference<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;
  /** The channel a task's notifications use (also the name of its notify triggers). */
  readonly getTaskChannel: (taskName: string) => string;
  /**
   * Installs (idempotently) a row trigger on `table` that wakes `taskName` on INSERT and UPDATE.
   * The trigger is named after the task's channel and calls the schema's `notify_maintenance_task()`.
   */
  readonly installNotifyTrigger: (configuration: InstallNotifyTriggerConfiguration) => Promise<void>;
  /**
   * The dead instructions (`maxAttempts` failed attempts), newest first, of one task when
   * `taskName` is given; at most `limit` (default 100).
   */
  readonly listDeadInstructions: (options?: {readonly limit?: number; readonly taskName?: string}) => Promise<ReadonlyArray<DeadInstruction<Instruction> & {readonly deadAt: Date}>>;
  /**
   * Forgets the failed attempts of an instruction, dead or waiting for its retry, and wakes its
   * task: it is claimable at once, from attempt 1. Resolves `false` when it had none.
   */
  readonly retryInstruction: (instruction: {readonly instruction: Instruction; readonly taskName: string}) => Promise<boolean>;
  /**
   * Puts an execution a sink released (FAILED with `SINK_PUBLISH_FAILED`) back to RUNNING and takes
   * back the failed attempt the release counted, when that end is its instruction's latest and no
   * other execution of the instruction is RUNNING; resolves whether it did. Its message reached the
   * broker after all: a sink worker calls it when it receives such a message, and then runs it.
   */
  readonly reviveExecution: (reference: {readonly executionId: number}) => Promise<boolean>;
  readonly schema: string;
  /**
   * Per task: RUNNING executions now, ends by state since `since`, dead instructions; and the
   * reaper's latest terminations. Two reading statements (see `summarizePostgresExecutions`, which
   * does the same on a pool and a schema without opening a store).
   */
  readonly summarizeExecutions: SummarizeExecutions;
};
