import type {UserFunctionName} from './errors.ts';

/** An instruction is a string or a finite number (typically a row id). */
export type TaskInstruction = number | string;

/** Where time comes from. Inject a manual clock in tests instead of sleeping. */
export type Clock = {
  /** Milliseconds since the epoch: the wall clock, for dates and slots. NTP may step it either way. */
  readonly now: () => number;
  /**
   * Milliseconds from an arbitrary origin that never jumps (`performance.now()` on the system
   * clock): what durations (timeouts) are measured on, as `sleep` waits. A clock without it
   * measures durations on `now()`.
   */
  readonly monotonic?: () => number;
  /**
   * Resolves after `milliseconds`, or as soon as `signal` aborts (it resolves, never rejects).
   * `sleep(0)` must yield to the event loop (a macrotask), so a busy loop never starves timers and I/O.
   */
  readonly sleep: (milliseconds: number, signal?: AbortSignal) => Promise<void>;
};

export type ActiveTaskInstructionsContext = {
  /** Aborted when the call times out (`scheduleTimeout`), the task is removed, or Planton terminates. */
  readonly signal: AbortSignal;
};

export type GetActiveTaskInstructions<Instruction extends TaskInstruction = TaskInstruction> = (
  taskName: string,
  context: ActiveTaskInstructionsContext,
) => Promise<readonly Instruction[]> | readonly Instruction[];

export type ScheduleConfiguration<Instruction extends TaskInstruction = TaskInstruction> = {
  readonly activeTaskInstructions: readonly Instruction[];
  readonly concurrency: number;
  readonly limit: number;
  /** Aborted when the call times out (`scheduleTimeout`), the task is removed, or Planton terminates. */
  readonly signal: AbortSignal;
  readonly taskName: string;
};

export type CalculateDelay = (attemptNumber: number) => number | Promise<number>;

export type CalculateLimit<Instruction extends TaskInstruction = TaskInstruction> = (
  concurrency: number,
  activeTaskInstructions: readonly Instruction[],
) => number | Promise<number>;

export type TaskConfiguration<Instruction extends TaskInstruction = TaskInstruction> = {
  /**
   * How long to wait before a round, given how many rounds in a row called `schedule`
   * (or failed before it) without producing an instruction.
   * @default () => 1000
   */
  readonly calculateDelay?: CalculateDelay;
  /**
   * How many instructions `schedule` may return this round.
   * @default (concurrency, activeTaskInstructions) => concurrency - activeTaskInstructions.length
   */
  readonly calculateLimit?: CalculateLimit<Instruction>;
  /**
   * How many instructions of this task may be active at once (an integer >= 1).
   * @default 1
   */
  readonly concurrency?: number;
  /** The name planton@3's README uses for `calculateDelay`; give one or the other. */
  readonly delay?: CalculateDelay;
  /** Unique, non-empty. */
  readonly name: string;
  /** Returns at most `limit` new instructions. */
  readonly schedule: (configuration: ScheduleConfiguration<Instruction>) => Promise<readonly Instruction[]> | readonly Instruction[];
  /**
   * Milliseconds after which an unsettled `getActiveTaskInstructions` or `schedule` call is abandoned
   * (its signal aborts, an `error` event with code `SCHEDULE_TIMEOUT` fires, the loop goes on).
   * @default undefined (no timeout)
   */
  readonly scheduleTimeout?: number;
};

export type PlantonConfiguration<Instruction extends TaskInstruction = TaskInstruction> = {
  /**
   * Where time comes from.
   * @default the system clock (Date.now, unref()ed timers)
   */
  readonly clock?: Clock;
  readonly getActiveTaskInstructions: GetActiveTaskInstructions<Instruction>;
  /**
   * Keeps the Node.js process alive until `terminate()` (one ref()ed handle; the loops' own timers
   * are unref()ed). A dispatcher must outlive the moments when nothing else holds the process: a
   * database restart closes every socket of the pool, and without it the process exited with code 0
   * in the middle of its work. `false` lets a script or test exit once nothing else keeps it alive.
   * @default true
   */
  readonly keepAlive?: boolean;
  /**
   * How many user calls (`getActiveTaskInstructions` + `schedule`) may run at once across all tasks.
   * Calls queue in FIFO order, so no task starves.
   * @default Infinity
   */
  readonly maxConcurrentCalls?: number;
  readonly tasks: ReadonlyArray<TaskConfiguration<Instruction>>;
  /**
   * How long `terminate()` and `removeTask()` wait for an in-flight user call that ignores its
   * abort signal before abandoning it (milliseconds).
   * @default 5000
   */
  readonly terminateTimeout?: number;
};

export type TaskEvent<Instruction extends TaskInstruction = TaskInstruction> = {
  readonly instruction: Instruction;
  readonly taskName: string;
};

export type ErrorEvent = {
  /**
   * What failed. A user function that threw or rejected with an `Error` gives that very error, as
   * planton@3 did, so a check of its `code` holds; any other value it threw is wrapped in a
   * `UserFunctionError` (the value is `cause`). Every other error is a `PlantonError` with a stable
   * `code` (see docs/errors.md). Typed so that `error.code === '…'` compiles either way.
   */
  readonly error: Error & {readonly code?: unknown};
  /**
   * The user function at fault: it threw, rejected, did not settle in time, or returned an invalid
   * value. Absent when the error is not one function's (a `task` listener threw, a sink failed).
   */
  readonly functionName?: UserFunctionName;
  readonly taskName: string;
};

export type PlantonEvents<Instruction extends TaskInstruction = TaskInstruction> = {
  readonly error: ErrorEvent;
  readonly task: TaskEvent<Instruction>;
};

/** May be `async`: it is not awaited, and a rejection is reported as a throw is (never an unhandled rejection). */
export type Listener<Payload> = (payload: Payload) => void;

export type Emitter<Events extends Record<string, unknown>> = {
  readonly emit: <Name extends keyof Events>(name: Name, payload: Events[Name]) => void;
  readonly listenerCount: <Name extends keyof Events>(name: Name) => number;
  readonly off: <Name extends keyof Events>(name: Name, listener: Listener<Events[Name]>) => void;
  readonly on: <Name extends keyof Events>(name: Name, listener: Listener<Events[Name]>) => void;
  readonly once: <Name extends keyof Events>(name: Name, listener: Listener<Events[Name]>) => void;
};

export type TaskStats = {
  /** Rounds in a row that called (or tried to call) `schedule` without producing an instruction. */
  readonly attemptNumber: number;
  readonly errors: number;
  readonly instructionsEmitted: number;
  /** Duration of the last finished round, or `null` before the first. */
  readonly lastRoundDurationMs: number | null;
  readonly roundInFlight: boolean;
  readonly rounds: number;
};

export type Planton<Instruction extends TaskInstruction = TaskInstruction> = {
  /** Adds a task at run time; validated as at creation. */
  readonly addTask: (task: TaskConfiguration<Instruction>) => void;
  readonly events: Emitter<PlantonEvents<Instruction>>;
  /** Per task: rounds, instructions emitted, errors, last round's duration, attempt number, whether a round is in flight. */
  readonly getStats: () => Record<string, TaskStats>;
  /** Stops the task's loop, waits for its in-flight round, and forgets it. */
  readonly removeTask: (taskName: string) => Promise<void>;
  /** Stops every loop, cancels pending delays, waits for in-flight calls; safe to call twice. */
  readonly terminate: () => Promise<void>;
  /** Wakes the task's loop now; triggers during a round coalesce into one extra round. */
  readonly trigger: (taskName: string) => void;
};
