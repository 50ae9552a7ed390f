/**
 * The contract every store implements (PostgreSQL and PGlite today; memory, MySQL and SQLite later).
 * A store keeps execution records, answers which instructions are active, claims new work and
 * records it in one step, finds crashed work (the reaper) and wakes task loops.
 */
import type {PlantonError} from '../planton/errors.ts';
import type {
  Emitter,
  GetActiveTaskInstructions,
  TaskConfiguration,
  TaskInstruction,
} from '../planton/types.ts';

/**
 * `RUNNING` until the processor completes or fails it, or the reaper terminates it (its heartbeat
 * got older than the task's `maxExecutionDuration`). Only `RUNNING` executions are active.
 */
export type ExecutionState = 'COMPLETED' | 'FAILED' | 'RUNNING' | 'TERMINATED';

export type ClaimedExecution<Instruction extends TaskInstruction = TaskInstruction> = {
  readonly executionId: number;
  readonly instruction: Instruction;
  readonly taskName: string;
};

/**
 * Which execution a call is about: its id, or the task event's `{taskName, instruction}` (resolved
 * to the execution this process claimed, else to the instruction's RUNNING execution).
 */
export type ExecutionReference<Instruction extends TaskInstruction = TaskInstruction> =
  | {readonly executionId: number}
  | {readonly instruction: Instruction; readonly taskName: string};

/** One execution to fail and the error to record (serialized by the store). */
export type ExecutionFailure<Instruction extends TaskInstruction = TaskInstruction> = {
  readonly error: unknown;
  readonly reference: ExecutionReference<Instruction>;
};

/**
 * Fails many executions in one call, each with its error; resolves with the references that were
 * not running (they are skipped). The PostgreSQL store's `failExecutions`.
 */
export type FailExecutions<Instruction extends TaskInstruction = TaskInstruction> = (failures: ReadonlyArray<ExecutionFailure<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;

export type TaskDefinition = {
  /**
   * Attempts of one instruction, the first included, before it is dead (`maximum_attempt_count`):
   * each execution that ends FAILED or TERMINATED counts one, a COMPLETED one starts the count
   * again. A dead instruction is never claimed again (claim queries that use `isActiveInstruction`)
   * until `retryInstruction` revives it. Written only when the task is new; an existing row (tuned
   * by an operator) is left alone.
   * @default 25 (graphile-worker's `max_attempts`: about 13 hours of retries with the default delays)
   */
  readonly maxAttempts?: number;
  /**
   * Most executions of the task RUNNING at once, across every process (`maximum_concurrent_execution_count`);
   * above 0 it overrides the concurrency given in code. Written only when the task is new; an existing
   * row (tuned by an operator) is left alone.
   * @default 0 (use the concurrency given in code)
   */
  readonly maxConcurrentExecutionCount?: number;
  /**
   * Milliseconds an execution may go without a heartbeat before the reaper terminates it
   * (`maximum_execution_duration`). Written only when the task is new.
   * @default 300_000
   */
  readonly maxExecutionDuration?: number;
  /**
   * The longest wait between two attempts of one instruction, in milliseconds
   * (`maximum_retry_delay`); at least `retryDelay`. Written only when the task is new.
   * @default 3_600_000 (1 hour)
   */
  readonly maxRetryDelay?: number;
  /** @deprecated Use `maxConcurrentExecutionCount` (the same option; when both are given, it wins). */
  readonly maximumConcurrentExecutionCount?: number;
  /** @deprecated Use `maxExecutionDuration` (the same option; when both are given, it wins). */
  readonly maximumExecutionDuration?: number;
  readonly name: string;
  /**
   * Milliseconds an instruction waits after its first failed attempt before it may be claimed
   * again (`retry_delay`); each further failed attempt doubles the wait, up to `maxRetryDelay`.
   * Written only when the task is new.
   * @default 1_000
   */
  readonly retryDelay?: number;
};

export type ClaimExecutionsConfiguration<Instruction extends TaskInstruction, Claim> = {
  readonly activeTaskInstructions?: readonly Instruction[];
  readonly claim: Claim;
  /**
   * The task's concurrency, as Planton passes it to `schedule`. When `activeTaskInstructions` is a
   * list the store's `getActiveTaskInstructions` answered from memory, the claim also makes sure it
   * does not take the task past it (the store reads the database again if it would).
   */
  readonly concurrency?: number;
  readonly limit: number;
  readonly signal?: AbortSignal;
  readonly taskName: string;
};

/**
 * Why a task was woken: a notification, the listener reconnected (notifications may be lost), the
 * reaper freed work, `retryInstruction` revived an instruction, or a store without notifications
 * (MySQL/MariaDB) polls: other processes' writes are seen on the next poll.
 */
export type WakeReason = 'NOTIFICATION' | 'POLLED' | 'REAPED' | 'RECONNECTED' | 'RETRIED';

export type SubscribeConfiguration = {
  readonly onWake: (reason: WakeReason) => void;
  readonly taskName: string;
};

/** An instruction whose last failed attempt was its task's `maxAttempts`-th: it is not claimed again until revived. */
export type DeadInstruction<Instruction extends TaskInstruction = TaskInstruction> = {
  /** Failed (or terminated) attempts counted. */
  readonly attempts: number;
  /** The error of the last attempt, as stored (serialize-error's JSON; for a terminated execution, `{code: 'EXECUTION_TERMINATED', message}`). */
  readonly error: unknown;
  /** The execution of the last attempt. */
  readonly executionId: number;
  readonly instruction: Instruction;
  readonly taskName: string;
};

export type StoreEvents<Instruction extends TaskInstruction = TaskInstruction> = {
  /**
   * Instructions that became dead through a failure or termination this store recorded (emitted
   * by that process only, once per instruction).
   */
  readonly dead: {readonly instructions: ReadonlyArray<DeadInstruction<Instruction>>};
  readonly error: {readonly error: PlantonError};
  readonly reaped: {readonly executions: ReadonlyArray<ClaimedExecution<Instruction>>};
};

/** One task's executions in `summarizeExecutions`. */
export type TaskExecutionSummary = {
  /** Executions that ended COMPLETED since `since`. */
  readonly completed: number;
  /** Dead instructions of the task now (`maxAttempts` failed attempts, not revived). */
  readonly dead: number;
  /** Executions that ended FAILED since `since`. */
  readonly failed: number;
  /** When the reaper last terminated an execution of the task (at any time), or `null`. */
  readonly lastTerminatedAt: Date | null;
  /** RUNNING executions now. */
  readonly running: number;
  readonly taskName: string;
  /** Executions the reaper terminated (ended TERMINATED) since `since`. */
  readonly terminated: number;
};

/** One execution the reaper terminated. */
export type TerminatedExecutionSummary = {
  readonly executionId: number;
  readonly instruction: TaskInstruction;
  readonly taskName: string;
  readonly terminatedAt: Date;
};

/**
 * What `summarizeExecutions` reads. TERMINATED is the reaper's alone (no other path of any store
 * ends an execution TERMINATED), so the terminated counts are the reaper's work.
 */
export type ExecutionSummary = {
  readonly reaper: {
    /** The latest executions the reaper terminated (at any time), newest first, at most `recentLimit`. */
    readonly recent: readonly TerminatedExecutionSummary[];
    /** Executions the reaper terminated since `since`, all tasks together. */
    readonly terminated: number;
  };
  readonly since: Date;
  /** Every task the store knows (registered or claimed), by name. */
  readonly tasks: readonly TaskExecutionSummary[];
};

export type SummarizeExecutionsConfiguration = {
  /**
   * How many of the reaper's latest terminations `reaper.recent` lists.
   * @default 10
   */
  readonly recentLimit?: number;
  /** Ends (COMPLETED, FAILED, TERMINATED) at or after this time are counted. */
  readonly since: Date;
};

/** Reads, without writing anything, what the store's executions did since `since` (a dashboard's dispatch panel). */
export type SummarizeExecutions = (configuration: SummarizeExecutionsConfiguration) => Promise<ExecutionSummary>;

export type Store<Instruction extends TaskInstruction, Claim> = {
  /**
   * Runs `claim` and records a RUNNING execution for each instruction it returned, atomically:
   * either both happen or neither does. Instructions that already have a RUNNING execution
   * (claimed meanwhile by another process) are dropped, never dispatched twice.
   */
  readonly claimExecutions: (configuration: ClaimExecutionsConfiguration<Instruction, Claim>) => Promise<ReadonlyArray<ClaimedExecution<Instruction>>>;
  readonly completeExecution: (reference: ExecutionReference<Instruction>) => Promise<void>;
  /** `claimExecutions` shaped as a task's `schedule`: plugs straight into `createPlanton`'s task. */
  readonly createSchedule: (claim: Claim) => TaskConfiguration<Instruction>['schedule'];
  readonly events: Emitter<StoreEvents<Instruction>>;
  /**
   * Records the error (serialized) and ends the execution as FAILED; the failed attempt delays the
   * instruction's next claim (`retryDelay`) or, as its task's `maxAttempts`-th, makes it dead.
   */
  readonly failExecution: (reference: ExecutionReference<Instruction>, error: unknown) => Promise<void>;
  /** Instructions of the task's RUNNING executions; plugs straight into `createPlanton`. */
  readonly getActiveTaskInstructions: GetActiveTaskInstructions<Instruction>;
  /**
   * The id of the RUNNING execution this store claimed for the instruction (what a `task` event
   * carries), or `null` when this store did not claim it or has seen it end. No I/O: a sink puts it
   * in the message so that a consumer ends the execution by id.
   */
  readonly getClaimedExecutionId: (event: {readonly instruction: Instruction; readonly taskName: string}) => number | null;
  /** The task's stored maximum concurrent execution count when > 0, else `concurrency`. */
  readonly getTaskConcurrency: (configuration: {readonly concurrency: number; readonly taskName: string}) => Promise<number>;
  /** Marks the execution as alive now. Executions claimed by this store are heartbeaten automatically. */
  readonly heartbeat: (reference: ExecutionReference<Instruction>) => Promise<void>;
  /** Wakes every subscriber of the task, in every process. */
  readonly notifyTask: (taskName: string) => Promise<void>;
  /** One reaper pass: terminates executions whose heartbeat is older than their task's limit. */
  readonly reap: () => Promise<ReadonlyArray<ClaimedExecution<Instruction>>>;
  /** Creates the task's row if it does not exist (claiming does too, with the defaults). */
  readonly registerTask: (definition: TaskDefinition) => Promise<void>;
  /** Calls `onWake` when the task has new work; returns the unsubscribe function. */
  readonly subscribe: (configuration: SubscribeConfiguration) => Promise<() => Promise<void>>;
  /** Stops the reaper, the heartbeat and the subscriptions. Does not end the pool it was given. */
  readonly terminate: () => Promise<void>;
};

/**
 * A store with the batched calls the processor and the sink workers use besides `Store`: one
 * statement (one commit) per batch. Each resolves with the references that were not running
 * (unknown, already ended, reaped, or given twice), in the order given; the others are done.
 * What `createPostgresStore` and `createMemoryStore` return, and what the conformance kit
 * (`planton/testing`) checks.
 */
export type DispatchStore<Instruction extends TaskInstruction, Claim> = Store<Instruction, Claim> & {
  /** Completes a batch of executions. */
  readonly completeExecutions: (references: ReadonlyArray<ExecutionReference<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;
  /** Fails a batch of executions, each with its error (serialized). */
  readonly failExecutions: FailExecutions<Instruction>;
  /** Which executions of a batch are not running, read without writing anything. */
  readonly findNotRunning: (references: ReadonlyArray<ExecutionReference<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;
  /** Marks a batch of executions alive. */
  readonly heartbeatExecutions: (references: ReadonlyArray<ExecutionReference<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;
  /**
   * Per task: RUNNING executions now, executions that ended COMPLETED, FAILED or TERMINATED since
   * `since`, dead instructions; and the reaper's recent terminations. Read-only. Optional: the
   * PostgreSQL (and PGlite), SQLite and memory stores have it; a server shows "not supported" for a store without.
   */
  readonly summarizeExecutions?: SummarizeExecutions;
};
