import type {DatabaseSync, SQLInputValue, SQLOutputValue} from 'node:sqlite';
import type {Clock, TaskInstruction} from '../../planton/types.ts';
import type {DeadInstruction, DispatchStore, ExecutionReference, FailExecutions, SummarizeExecutions} from '../types.ts';

/** A row as `node:sqlite` returns it: column name → value. */
export type SqliteRow = Readonly<Record<string, SQLOutputValue>>;

export type SqliteClaimContext<Instruction extends TaskInstruction = TaskInstruction> = {
  /** The active instructions the engine saw at the start of the round (empty when called directly). */
  readonly activeTaskInstructions: readonly Instruction[];
  /**
   * The store's connection, inside the claim's `BEGIN IMMEDIATE` transaction. Use it (or `query`)
   * synchronously: the transaction commits as soon as the claim returns.
   */
  readonly database: DatabaseSync;
  /**
   * A condition (SQL text) that holds while `expression` (a column of the user's table holding the
   * instruction, e.g. `'u.id'`) has a RUNNING execution of this task, waits out the backoff after a
   * failed attempt (`retryDelay`), or is dead (`maxAttempts` failed attempts). Put
   * `AND NOT ${isActiveInstruction('u.id')}` in the claim query. `expression` is written into the
   * SQL as it is: pass a column name of your own query, never a value (values go as parameters).
   * The condition holds no parameter: the task's id and the time are numbers the store writes in.
   */
  readonly isActiveInstruction: (expression: string) => string;
  /** Most instructions to return: what the engine asked for, lowered to what the task's concurrency leaves. */
  readonly limit: number;
  /** Runs one statement in the claim's transaction, values bound to its `?` parameters; resolves with its rows. */
  readonly query: (statement: string, ...parameters: SQLInputValue[]) => readonly SqliteRow[];
  readonly taskName: string;
};

/**
 * Claims work on SQLite: given the context, marks up to `limit` rows of the user's table as taken
 * (e.g. `UPDATE … WHERE id IN (SELECT … LIMIT ?) RETURNING id`) and returns their instructions
 * (strings or finite numbers). It runs synchronously inside the transaction (holding SQLite's write
 * lock) that also records a RUNNING execution for each instruction it returns: both commit, or
 * neither does (a claim that throws rolls back its own writes too). It must not return a promise.
 */
export type SqliteClaim<Instruction extends TaskInstruction = TaskInstruction> = (context: SqliteClaimContext<Instruction>) => readonly Instruction[];

export type SqliteStoreConfiguration = {
  /**
   * SQLite's busy timeout (milliseconds): how long a statement waits for another connection's
   * write lock before it fails with SQLITE_BUSY. Only for a connection the store opens (`filename`);
   * set `timeout` yourself on a `database` you give.
   * @default 5_000
   */
  readonly busyTimeout?: number;
  /**
   * Where time comes from: timestamps written to the database, heartbeat, reaper and poll intervals.
   * @default the system clock
   */
  readonly clock?: Clock;
  /**
   * An open `node:sqlite` connection the store uses and does not close (`terminate()` leaves it
   * open). Give either this or `filename`. It is switched to WAL, foreign keys on.
   */
  readonly database?: DatabaseSync;
  /**
   * The database file the store opens (created if missing) and closes on `terminate()`. Give either
   * this or `database`. Every process that shares the work opens the same file.
   */
  readonly filename?: string;
  /**
   * How often executions claimed by this store get their `last_seen_at` refreshed (milliseconds).
   * Keep it well below every task's `maxExecutionDuration`.
   * @default 10_000
   */
  readonly heartbeatInterval?: number;
  /**
   * Written to each execution's `hostname`.
   * @default os.hostname()
   */
  readonly hostname?: string;
  /**
   * How often the store checks whether another connection (another process, or another store on
   * the same file) committed to the file (`PRAGMA data_version`, a read of a counter: no I/O when
   * nothing changed), and then wakes every subscribed task: the latency of a wake-up from another
   * process. A write in this process wakes its subscribers at once (`notifyTask`). `0` disables
   * the polling (tasks then rely on their own delay).
   * @default 250
   */
  readonly pollInterval?: number;
  /**
   * How often the reaper runs (milliseconds); `0` disables the loop (call `reap()` yourself).
   * @default 10_000
   */
  readonly reaperInterval?: number;
  /**
   * Put before each of the store's table names (`planton_maintenance_task`, …), so that several
   * stores, or the store and the user's tables, share one file. An ASCII letter or underscore, then
   * letters, digits or underscores.
   * @default 'planton_'
   */
  readonly tablePrefix?: string;
};

export type SqliteStore<Instruction extends TaskInstruction = TaskInstruction> = DispatchStore<Instruction, SqliteClaim<Instruction>> & {
  /** Per task: RUNNING executions, ends by state since `since`, dead instructions; the reaper's latest terminations (two reading statements). */
  readonly summarizeExecutions: SummarizeExecutions;
  /**
   * Completes many executions in one transaction (one commit for the batch). Resolves with the
   * references that were not running (unknown, already ended, reaped, or given twice).
   */
  readonly completeExecutions: (references: ReadonlyArray<ExecutionReference<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;
  /** The store's connection (the one it opened, or the one it was given). */
  readonly database: DatabaseSync;
  /** Fails many executions in one transaction, each with its error (serialized); resolves with the references that were not running. */
  readonly failExecutions: FailExecutions<Instruction>;
  /** The references among `references` whose execution is not running, with one read: no write. */
  readonly findNotRunning: (references: ReadonlyArray<ExecutionReference<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;
  /** Marks many executions alive in one statement; resolves with the references that are not running. */
  readonly heartbeatExecutions: (references: ReadonlyArray<ExecutionReference<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;
  /** The dead instructions, newest first, of one task when `taskName` is given; at most `limit` (default 100). */
  readonly listDeadInstructions: (options?: {readonly limit?: number; readonly taskName?: string}) => Promise<ReadonlyArray<DeadInstruction<Instruction> & {readonly deadAt: Date}>>;
  /**
   * Puts an execution a sink released (FAILED with `SINK_PUBLISH_FAILED`) back to RUNNING and takes
   * back the failed attempt the release counted, when that end is its instruction's latest and no
   * other execution of the instruction is RUNNING; resolves whether it did (as the PostgreSQL store).
   */
  readonly reviveExecution: (reference: {readonly executionId: number}) => Promise<boolean>;
  /** Forgets the failed attempts of an instruction (dead or waiting for its retry) and wakes its task; `false` when it had none. */
  readonly retryInstruction: (instruction: {readonly instruction: Instruction; readonly taskName: string}) => Promise<boolean>;
  /** The table prefix in use. */
  readonly tablePrefix: string;
};
