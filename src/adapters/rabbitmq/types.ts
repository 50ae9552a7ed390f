import type {Emitter, TaskInstruction} from '../../planton/types.ts';
import type {PlantonError} from '../../planton/errors.ts';
import type {Sink, SinkWorkerConfiguration, WorkerEvents} from '../sinks/types.ts';

/** How a lost connection is retried: exponential backoff with jitter (amqplib's connection recovery). */
export type RabbitMqReconnection = {
  /**
   * Milliseconds before the first reconnection attempt.
   * @default 100
   */
  readonly initialDelay?: number;
  /**
   * The longest wait between two attempts (milliseconds).
   * @default 5_000
   */
  readonly maxDelay?: number;
};

export type RabbitMqSinkConfiguration = {
  /**
   * The exchange messages are published to; `''` is the default exchange, which routes by queue name.
   * A missing exchange is declared (durable) unless `assertExchange` is `false`.
   */
  readonly exchange: string;
  /**
   * Declare the exchange (durable, `exchangeType`) on every connection. Ignored for the default exchange.
   * @default true
   */
  readonly assertExchange?: boolean;
  /**
   * The type used when declaring the exchange.
   * @default 'direct'
   */
  readonly exchangeType?: 'direct' | 'fanout' | 'headers' | 'topic';
  /**
   * Milliseconds a publish may wait for the broker's confirmation (including the wait for a lost
   * connection to come back) before it fails with `SINK_TIMEOUT`.
   * @default 30_000
   */
  readonly publishTimeout?: number;
  /** @default {initialDelay: 100, maxDelay: 5_000} */
  readonly reconnection?: RabbitMqReconnection;
  /** The routing key of every message. */
  readonly routingKey: string;
  /** E.g. `amqp://guest:guest@127.0.0.1:5672`. */
  readonly url: string;
};

export type RabbitMqConnectionEvents = {
  /** A connection was established (`reconnected`: not the first one). */
  readonly connected: {readonly reconnected: boolean};
  /** The connection was lost; a reconnection is scheduled. */
  readonly disconnected: {readonly error: Error};
  readonly error: {readonly error: PlantonError};
};

export type RabbitMqSink<Instruction extends TaskInstruction = TaskInstruction> = Sink<Instruction> & {
  readonly events: Emitter<RabbitMqConnectionEvents>;
};

/**
 * The queue side; `processor`, `store`, `heartbeatInterval`, `storeRetry`, `completionBatchSize`,
 * `completionConcurrency` and `clock` are the options every sink's worker shares (`SinkWorkerConfiguration`).
 */
export type RabbitMqWorkerConfiguration<Instruction extends TaskInstruction = TaskInstruction> = SinkWorkerConfiguration<Instruction> & {
  /**
   * Declare the queue (durable, with `deadLetterExchange`) on every connection. A queue that exists
   * with other arguments makes the declaration fail: pass `false` to use it as it is.
   * @default true
   */
  readonly assertQueue?: boolean;
  /**
   * Where rejected poison messages go (the queue's `x-dead-letter-exchange`); without one they are dropped.
   * @default undefined
   */
  readonly deadLetterExchange?: string;
  /**
   * When given, the exchange is declared (durable, `exchangeType`) and the queue bound to it with `routingKey`.
   * @default undefined
   */
  readonly exchange?: string;
  /** @default 'direct' */
  readonly exchangeType?: 'direct' | 'fanout' | 'headers' | 'topic';
  /**
   * How many messages this worker processes at once (the channel's prefetch).
   * @default 10
   */
  readonly prefetch?: number;
  /** The queue consumed (declared durable unless `assertQueue` is `false`). */
  readonly queue: string;
  /** @default {initialDelay: 100, maxDelay: 5_000} */
  readonly reconnection?: RabbitMqReconnection;
  /**
   * The binding key when `exchange` is given.
   * @default the queue's name
   */
  readonly routingKey?: string;
  /** E.g. `amqp://guest:guest@127.0.0.1:5672`. */
  readonly url: string;
};

export type RabbitMqWorkerEvents<Instruction extends TaskInstruction = TaskInstruction> = WorkerEvents<Instruction> & Omit<RabbitMqConnectionEvents, 'error'> & {
  /** The consumer is (again) subscribed to the queue. */
  readonly consuming: {readonly queue: string};
};

export type RabbitMqWorker<Instruction extends TaskInstruction = TaskInstruction> = {
  /**
   * Stops consuming, waits for the messages being processed (their outcome recorded and
   * acknowledged; one whose store call is still failing is requeued), closes the connection.
   */
  readonly close: () => Promise<void>;
  readonly events: Emitter<RabbitMqWorkerEvents<Instruction>>;
};
