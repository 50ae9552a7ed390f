/**
 * The contract every sink implements (RabbitMQ, BullMQ and NATS JetStream). A sink hands
 * each dispatched instruction to a message broker and resolves only once the broker has taken
 * responsibility for it (a publisher confirm, a resolved add, a publish ack). `connectSink` feeds a
 * Planton's `task` events into a sink and releases what the broker did not confirm.
 */
import type {PlantonError} from '../../planton/errors.ts';
import type {Clock, Planton, TaskInstruction} from '../../planton/types.ts';
import type {ExecutionReference, Store} from '../types.ts';

/**
 * What travels through the broker, encoded as JSON: `{"taskName": …, "instruction": …,
 * "executionId": …}`. `executionId` is present when the dispatcher knew it; without it the consumer
 * refers to the execution as "the RUNNING execution of `instruction` of `taskName`".
 */
export type SinkMessage<Instruction extends TaskInstruction = TaskInstruction> = {
  readonly executionId?: number;
  readonly instruction: Instruction;
  readonly taskName: string;
};

export type SinkPublishOptions = {
  /**
   * Called once if the broker confirms the message after `publish` rejected with `SINK_TIMEOUT`:
   * the message is in the broker after all (`connectSink` counts it in `confirmedLate`). Only the
   * RabbitMQ sink tells; the others never call it.
   */
  readonly onLateConfirm?: () => void;
};

export type Sink<Instruction extends TaskInstruction = TaskInstruction> = {
  /**
   * Stops accepting messages and closes the broker connection. Publishes that are not confirmed by
   * then reject (their executions are released by `connectSink`).
   */
  readonly close: () => Promise<void>;
  /**
   * Resolves once the broker confirmed that it stored the message; rejects (with a `PlantonError`
   * whose `code` says why) when it refused it, could not route it, or did not confirm in time. A
   * publish made while the broker is unreachable waits for the reconnection, within the same time.
   */
  readonly publish: (message: SinkMessage<Instruction>, options?: SinkPublishOptions) => Promise<void>;
};

/**
 * The part of a store a dispatcher needs: the execution id of a `task` event (put in the message, so
 * a consumer ends the execution by id) and releasing what the broker did not take. Every store has
 * `getClaimedExecutionId`; without it (a hand-written store) messages carry no `executionId` and
 * consumers resolve the execution by task name and instruction, a query per message.
 */
export type SinkStore<Instruction extends TaskInstruction = TaskInstruction> =
  Pick<Store<Instruction, unknown>, 'failExecution'> &
  Partial<Pick<Store<Instruction, unknown>, 'getClaimedExecutionId'>>;

/**
 * Completes many executions in one statement; resolves with the references that were not running
 * (they are skipped). The PostgreSQL store's `completeExecutions`.
 */
export type CompleteExecutions<Instruction extends TaskInstruction = TaskInstruction> = (references: ReadonlyArray<ExecutionReference<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;

/**
 * Marks many executions alive in one statement; resolves with the references that were not running
 * (unknown, ended, reaped, or given twice). The PostgreSQL store's `heartbeatExecutions`.
 */
export type HeartbeatExecutions<Instruction extends TaskInstruction = TaskInstruction> = (references: ReadonlyArray<ExecutionReference<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;

/**
 * Reads which executions are not running (unknown, ended, reaped, or given twice) in one statement
 * that writes nothing. The PostgreSQL store's `findNotRunning`.
 */
export type FindNotRunning<Instruction extends TaskInstruction = TaskInstruction> = (references: ReadonlyArray<ExecutionReference<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;

/**
 * The part of a store a consumer needs: checking an execution still runs (`heartbeat`, which also
 * keeps it alive while the processor runs), and ending it. The PostgreSQL store also has the batch
 * forms: with `findNotRunning` (read only) or else `heartbeatExecutions` the checks of the messages
 * that arrive together cost one statement, with `heartbeatExecutions` so do the heartbeats of the
 * running ones, with `completeExecutions` the completions of the messages that finish together.
 * With `reviveExecution`, a message whose execution its dispatcher released (the publish timed out,
 * yet the broker stored it) revives the execution and runs instead of being skipped.
 */
export type WorkerStore<Instruction extends TaskInstruction = TaskInstruction> =
  Pick<Store<Instruction, unknown>, 'completeExecution' | 'failExecution' | 'heartbeat'> &
  {
    readonly completeExecutions?: CompleteExecutions<Instruction>;
    readonly findNotRunning?: FindNotRunning<Instruction>;
    readonly heartbeatExecutions?: HeartbeatExecutions<Instruction>;
    /**
     * Puts an execution its dispatcher released (the publish timed out, yet the broker stored the
     * message) back to RUNNING; resolves whether it did. The PostgreSQL store's `reviveExecution`.
     * Without it, such a message is skipped and its instruction claimed again after its backoff.
     */
    readonly reviveExecution?: (reference: {readonly executionId: number}) => Promise<boolean>;
  };

export type ConnectSinkConfiguration<Instruction extends TaskInstruction = TaskInstruction> = {
  /**
   * The engine whose `task` events are published. Create it with the store's
   * `getActiveTaskInstructions` and `createSchedule`: a claimed execution stays RUNNING (active)
   * until a consumer ends it, so publishes the broker has not confirmed count against the task's
   * `concurrency`, and a broker that does not confirm stops further claims.
   */
  readonly planton: Pick<Planton<Instruction>, 'events'>;
  readonly sink: Sink<Instruction>;
  /**
   * The store `planton` claims through: each message carries `store.getClaimedExecutionId(event)`,
   * and an unconfirmed instruction is released there (`failExecution` with the reason), so it is
   * scheduled again.
   */
  readonly store: SinkStore<Instruction>;
};

export type SinkConnectionStats = {
  /** Publishes the broker confirmed. */
  readonly confirmed: number;
  /**
   * Publishes the broker confirmed after they timed out (also counted in `failed`): their messages
   * are in the broker, and the worker that receives one revives its released execution unless the
   * instruction was claimed again meanwhile. Many of them mean `publishTimeout` is too short.
   */
  readonly confirmedLate: number;
  /** Publishes that failed; their executions were released. */
  readonly failed: number;
  /** Publishes waiting for the broker's confirmation now. */
  readonly inFlight: number;
};

export type SinkConnection = {
  /** Stops publishing new `task` events and waits for the publishes (and releases) in flight. Does not close the sink. */
  readonly close: () => Promise<void>;
  readonly getStats: () => SinkConnectionStats;
};

/** A worker's processor: does the work of one message. Resolving completes the execution; throwing fails it. */
export type SinkProcessor<Instruction extends TaskInstruction = TaskInstruction> = (
  message: SinkMessage<Instruction>,
  context: {
    /** The broker delivered this message before (its earlier consumer died or lost its connection). */
    readonly redelivered: boolean;
  },
) => Promise<void> | void;

export type WorkerEvents<Instruction extends TaskInstruction = TaskInstruction> = {
  /** The processor finished and the execution was recorded COMPLETED (or had already ended). */
  readonly completed: {readonly message: SinkMessage<Instruction>};
  /** A failure of the worker itself (poison message, store unreachable, connection trouble); it keeps consuming. */
  readonly error: {readonly error: PlantonError};
  /** The processor threw; the execution was recorded FAILED (a failed attempt: claimed again after its backoff). */
  readonly failed: {readonly error: unknown; readonly message: SinkMessage<Instruction>};
  /**
   * The execution had already ended (a redelivery; a release after an unconfirmed publish that the
   * worker could not revive, the instruction claimed again meanwhile): acknowledged, not run.
   */
  readonly skipped: {readonly message: SinkMessage<Instruction>};
};

/** How a worker retries a store call that failed (the store is unreachable): a growing delay, never a spin. */
export type WorkerStoreRetry = {
  /**
   * Milliseconds before the first retry; each further retry waits twice as long.
   * @default 100
   */
  readonly initialDelay?: number;
  /**
   * The longest wait between two attempts (milliseconds).
   * @default 5_000
   */
  readonly maxDelay?: number;
};

/** The broker-independent options of every sink's worker (RabbitMQ, BullMQ, NATS). */
export type SinkWorkerConfiguration<Instruction extends TaskInstruction = TaskInstruction> = {
  /**
   * Where time comes from: the heartbeats (and the NATS worker's `working()` keep-alives), the
   * store retries' delays, the NATS worker's pull and set-up delays. Tests inject a manual clock;
   * the broker's own timeouts (JetStream's `ackWait`, BullMQ's lock) still run in real time.
   * @default the system clock
   */
  readonly clock?: Clock;
  /**
   * Most completions written in one `completeExecutions` call (when the store has it). Completions
   * are grouped while the previous batch is being written (no timer); `1` completes one by one with
   * `completeExecution`.
   * @default 1_000
   */
  readonly completionBatchSize?: number;
  /**
   * `completeExecutions` statements in flight at once.
   * @default 2
   */
  readonly completionConcurrency?: number;
  /**
   * How often the execution of a message being processed gets a heartbeat (`store.heartbeat` by
   * id), so the reaper does not terminate work that takes longer than the task's
   * `maxExecutionDuration`. Keep it well below that.
   * @default 10_000
   */
  readonly heartbeatInterval?: number;
  /** Runs each message; resolving completes its execution, throwing fails it. */
  readonly processor: SinkProcessor<Instruction>;
  /** Where outcomes are recorded. */
  readonly store: WorkerStore<Instruction>;
  /** @default {initialDelay: 100, maxDelay: 5_000} */
  readonly storeRetry?: WorkerStoreRetry;
};
