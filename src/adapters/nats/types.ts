import type {NatsConnection} from 'nats';
import type {PlantonError} from '../../planton/errors.ts';
import type {Emitter, TaskInstruction} from '../../planton/types.ts';
import type {Sink, SinkProcessor, SinkWorkerConfiguration, WorkerEvents, WorkerStore, WorkerStoreRetry} from '../sinks/types.ts';

/** How a lost connection is retried (the nats client's reconnection, forever; the first connection the same way). */
export type NatsReconnection = {
  /**
   * Milliseconds between two attempts to reach the server.
   * @default 250
   */
  readonly delay?: number;
  /**
   * Up to this many milliseconds are added at random to each wait, so that many clients do not reconnect in step.
   * @default 100
   */
  readonly jitter?: number;
};

/**
 * Where the server is: `url` (a connection is opened, recovers on its own, and is closed by
 * `close()`), or an open `connection` you own (used as it is, never closed by Planton).
 */
export type NatsServer =
  | {readonly connection: NatsConnection; readonly url?: undefined}
  | {readonly connection?: undefined; readonly url: string};

/** How the stream is created when it does not exist (an existing stream is used as it is). */
export type NatsStreamDefaults = {
  /**
   * Milliseconds during which JetStream drops a message whose id (`Nats-Msg-Id`) it already stored: a
   * publish retried after a lost acknowledgement is stored once.
   * @default 120_000
   */
  readonly duplicateWindow?: number;
  /**
   * Create the stream (work-queue retention, file storage, capturing `subject`) when it does not exist.
   * @default true
   */
  readonly ensureStream?: boolean;
};

export type NatsSinkConfiguration = NatsServer & NatsStreamDefaults & {
  /**
   * Milliseconds a publish may wait for JetStream's acknowledgement, including the wait for a lost
   * connection to come back, before it fails with `SINK_TIMEOUT`. Within that time an
   * unacknowledged publish is retried with the same message id, so it is stored at most once.
   * @default 30_000
   */
  readonly publishTimeout?: number;
  /** @default {delay: 250, jitter: 100} */
  readonly reconnection?: NatsReconnection;
  /** The JetStream stream that stores the messages. */
  readonly stream: string;
  /** The subject every message is published on; the stream must capture it. */
  readonly subject: string;
};

export type NatsConnectionEvents = {
  /** A connection was established (`reconnected`: not the first one). */
  readonly connected: {readonly reconnected: boolean};
  /** The connection was lost; the client reconnects on its own. */
  readonly disconnected: Record<string, never>;
  readonly error: {readonly error: PlantonError};
};

export type NatsSink<Instruction extends TaskInstruction = TaskInstruction> = Sink<Instruction> & {
  readonly events: Emitter<NatsConnectionEvents>;
};

/** `clock`, `completionBatchSize` and `completionConcurrency` are the options every sink's worker shares (`SinkWorkerConfiguration`). */
export type NatsWorkerConfiguration<Instruction extends TaskInstruction = TaskInstruction> = NatsServer & NatsStreamDefaults & Pick<SinkWorkerConfiguration<Instruction>, 'clock' | 'completionBatchSize' | 'completionConcurrency'> & {
  /**
   * Milliseconds JetStream waits for a message's acknowledgement before it redelivers it (the
   * consumer's `ack_wait`). While the processor runs, the worker tells JetStream it is still
   * working, so this bounds only how soon a dead worker's messages come back.
   * @default 30_000
   */
  readonly ackWait?: number;
  /**
   * How many messages this worker processes at once (it never pulls more than it can start).
   * @default 10
   */
  readonly concurrency?: number;
  /** The durable pull consumer's name; workers sharing it share the work. Created (or its `ackWait` updated) on start. */
  readonly consumer: string;
  /**
   * Milliseconds a pull request stays open on the server waiting for messages (at least 1_000).
   * @default 10_000
   */
  readonly expires?: number;
  /**
   * Milliseconds between two keep-alives: the heartbeat of each execution whose processor runs
   * (`store.heartbeat`, or one `heartbeatExecutions` statement for all of them), and `msg.working()`
   * of each message the worker holds (processor running, store call retried). Never more than a
   * third of `ackWait`.
   * @default 10_000
   */
  readonly heartbeatInterval?: number;
  readonly processor: SinkProcessor<Instruction>;
  /** @default {delay: 250, jitter: 100} */
  readonly reconnection?: NatsReconnection;
  /**
   * How a store call that failed (the execution's check, or recording its outcome) is retried while
   * the worker holds its message: `initialDelay` before the first retry, doubled with each further
   * one, at most `maxDelay`. A message still unrecorded when the worker closes is given back to
   * JetStream with the same kind of delay (`nak`), counted by its deliveries.
   * @default {initialDelay: 100, maxDelay: 5_000}
   */
  readonly storeRetry?: WorkerStoreRetry;
  /**
   * Where outcomes are recorded: an execution is checked to still run (`heartbeat`), then ended
   * (`completeExecution`, or `failExecution`). With the batch forms (the PostgreSQL store), the
   * messages that arrive or finish together cost one statement: the checks `findNotRunning` (a read),
   * the heartbeats `heartbeatExecutions`, the completions `completeExecutions`.
   */
  readonly store: WorkerStore<Instruction>;
  readonly stream: string;
  /** The consumer's filter subject: the subject the sink publishes on. */
  readonly subject: string;
};

export type NatsWorkerEvents<Instruction extends TaskInstruction = TaskInstruction> = WorkerEvents<Instruction> & Omit<NatsConnectionEvents, 'error'> & {
  /** The durable consumer exists and the worker pulls from it (again, after a failure). */
  readonly consuming: {readonly consumer: string; readonly stream: string};
};

export type NatsWorker<Instruction extends TaskInstruction = TaskInstruction> = {
  /** Stops pulling, waits for the messages being processed (their outcome recorded and acknowledged), closes the connection it opened. */
  readonly close: () => Promise<void>;
  readonly events: Emitter<NatsWorkerEvents<Instruction>>;
};
