import type {Pool, PoolConnection} from 'mysql2/promise';
import type {Clock, TaskInstruction} from '../../planton/types.ts';
import type {DeadInstruction, ExecutionReference, FailExecutions, Store} from '../types.ts';

/** What the store's statements run on: the pool, or one connection (a transaction's). */
export type MysqlQueryable = Pick<Pool | PoolConnection, 'query'>;

export type MysqlClaimContext<Instruction extends TaskInstruction = TaskInstruction> = {
  /** The active instructions the engine saw at the start of the round (empty when called directly). */
  readonly activeTaskInstructions: readonly Instruction[];
  /**
   * The connection of the claim's transaction (READ COMMITTED), for a claim that runs statements
   * of its own (an UPDATE, then a SELECT) and returns the instructions itself. Do not commit or
   * release it.
   */
  readonly connection: PoolConnection;
  /**
   * An SQL condition that holds while `expression` (SQL naming a column of the user's table that
   * holds the instruction, e.g. `'u.id'`: code, never a value) has a RUNNING execution of this
   * task, waits out the backoff after a failed attempt (`retryDelay`), or is dead (`maxAttempts`
   * failed attempts). Put `AND NOT ${isActiveInstruction('u.id')}` in the claim query so that
   * running, backing-off and dead work is skipped. It compares the column's text form
   * (`CONVERT(expression USING utf8mb4)`): integer and string columns; the only literals it holds
   * are the task's id and the time, both integers the store wrote.
   */
  readonly isActiveInstruction: (expression: string) => string;
  /** At most this many rows: the claim's `LIMIT`. Within the task's concurrency across every process. */
  readonly limit: number;
  readonly taskName: string;
};

/** A statement for mysql2's `query`: the SQL with `?` placeholders and their values. */
export type MysqlClaimQuery = {
  readonly sql: string;
  readonly values?: readonly unknown[];
};

/**
 * The claim of a task on MySQL/MariaDB: given the context, returns the claim query, a statement
 * whose first column is the instruction (a string or a finite number), at most `limit` rows,
 * locking what it picks so that other processes skip it, e.g. `SELECT id FROM item WHERE … AND NOT
 * ${isActiveInstruction('item.id')} ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`. Or it runs its own
 * statements on `connection` and returns the instructions. Either way it runs in the same
 * transaction as the inserts of the RUNNING executions: both commit or neither does.
 */
export type MysqlClaim<Instruction extends TaskInstruction = TaskInstruction> = (context: MysqlClaimContext<Instruction>) => MysqlClaimQuery | Promise<MysqlClaimQuery | readonly unknown[]> | readonly unknown[];

export type MysqlStoreConfiguration = {
  /**
   * Where time comes from: the timestamps written (milliseconds since the epoch), heartbeat,
   * reaper and polling intervals.
   * @default the system clock
   */
  readonly clock?: Clock;
  /**
   * The database holding Planton's tables; created (with the tables) if missing.
   * @default the pool's current database (the one in its URL)
   */
  readonly database?: string;
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
   * MySQL has no LISTEN/NOTIFY: a write through this store (a completion, a failure, a reap,
   * `notifyTask`, `retryInstruction`) wakes this process's subscribers at once, and every
   * subscriber is also woken every `pollInterval` milliseconds (`POLLED`), which is how writes of
   * other processes and of the user's own tables are seen. The latency of cross-process work is
   * up to this. `0` disables polling (the engine's own delays then decide).
   * @default 1_000
   */
  readonly pollInterval?: number;
  /** A mysql2/promise pool on MySQL 8 or MariaDB 10.6+ (both have `SKIP LOCKED`). The store does not end it. */
  readonly pool: Pool;
  /**
   * How often the reaper runs (milliseconds); `0` disables the loop (call `reap()` yourself).
   * @default 10_000
   */
  readonly reaperInterval?: number;
  /**
   * Prepended to the name of each of the store's tables (`planton_maintenance_task`, …): letters,
   * digits, `_` and `$`, at most 24 characters.
   * @default 'planton_'
   */
  readonly tablePrefix?: string;
};

export type MysqlStore<Instruction extends TaskInstruction = TaskInstruction> = Store<Instruction, MysqlClaim<Instruction>> & {
  /** Completes inside the caller's transaction when `connection` is given (so the work and its record commit together). */
  readonly completeExecution: (reference: ExecutionReference<Instruction>, options?: {readonly connection?: PoolConnection}) => Promise<void>;
  /**
   * Completes many executions in one transaction. Resolves with the references that were not
   * running (unknown, already ended, reaped, or given twice): they are skipped, the others are completed.
   */
  readonly completeExecutions: (references: ReadonlyArray<ExecutionReference<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;
  /** The database holding the tables. */
  readonly database: string;
  /** Fails many executions in one transaction, each with its error (serialized); resolves with the references that were not running. */
  readonly failExecutions: FailExecutions<Instruction>;
  /** The references whose execution is not running, with one reading statement. */
  readonly findNotRunning: (references: ReadonlyArray<ExecutionReference<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;
  /** Marks many executions alive and resolves with the references that are not running. */
  readonly heartbeatExecutions: (references: ReadonlyArray<ExecutionReference<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;
  /** The dead instructions, newest first, of one task when `taskName` is given; at most `limit` (default 100). */
  readonly listDeadInstructions: (options?: {readonly limit?: number; readonly taskName?: string}) => Promise<ReadonlyArray<DeadInstruction<Instruction> & {readonly deadAt: Date}>>;
  /**
   * Forgets the failed attempts of an instruction, dead or waiting for its retry, and wakes its
   * task's subscribers in this process: it is claimable at once, from attempt 1. Resolves `false` when it had none.
   */
  readonly retryInstruction: (instruction: {readonly instruction: Instruction; readonly taskName: string}) => Promise<boolean>;
  /**
   * Puts an execution a sink released (FAILED with `SINK_PUBLISH_FAILED`) back to RUNNING and takes
   * back the failed attempt the release counted, when that end is its instruction's latest and no
   * other execution of the instruction is RUNNING; resolves whether it did. Its message reached the
   * broker after all: a sink worker calls it when it receives such a message, and then runs it.
   */
  readonly reviveExecution: (reference: {readonly executionId: number}) => Promise<boolean>;
  readonly tablePrefix: string;
};
