import type {JobsOptions, Queue, Worker, WorkerOptions} from 'bullmq';
import type {Redis} from 'ioredis';
import type {Emitter, TaskInstruction} from '../../planton/types.ts';
import type {PlantonError} from '../../planton/errors.ts';
import type {Sink, SinkWorkerConfiguration, WorkerEvents} from '../sinks/types.ts';

/** How a lost Redis connection is retried: exponential backoff (ioredis' `retryStrategy`), forever. */
export type BullMqReconnection = {
  /**
   * Milliseconds before the first reconnection attempt; each further attempt waits twice as long.
   * @default 100
   */
  readonly initialDelay?: number;
  /**
   * The longest wait between two attempts (milliseconds).
   * @default 5_000
   */
  readonly maxDelay?: number;
};

/**
 * Where Redis is: give `url` (the factory opens and closes its own ioredis connection, configured as
 * each side needs) or `connection` (an ioredis instance you own and close; BullMQ requires
 * `maxRetriesPerRequest: null` on a worker's).
 */
type BullMqConnectionConfiguration = {
  readonly connection?: Redis;
  /**
   * Prefix of every Redis key of the queue. Sink and worker must use the same.
   * @default 'bull'
   */
  readonly prefix?: string;
  /** The BullMQ queue's name. Sink and worker must use the same. */
  readonly queueName: string;
  /** @default {initialDelay: 100, maxDelay: 5_000} (ignored with `connection`) */
  readonly reconnection?: BullMqReconnection;
  /** E.g. `redis://127.0.0.1:6379`. */
  readonly url?: string;
};

export type BullMqSinkConfiguration = BullMqConnectionConfiguration & {
  /**
   * Options of every job (`attempts`, `removeOnComplete`, `priority`, …). `jobId` is the sink's:
   * `<task name, URI-encoded>/<execution id>`, so that an add retried after a lost reply is stored
   * once (a message without `executionId` gets a BullMQ-generated id).
   * @default {}
   */
  readonly jobOptions?: Omit<JobsOptions, 'jobId'>;
  /**
   * Most jobs in one `addBulk` call (one round trip to Redis). The publishes made in the same
   * macrotask are grouped (no timer: a lone publish goes out on the next macrotask); `1` adds the
   * jobs one by one.
   * @default 1_000
   */
  readonly publishBatchSize?: number;
  /**
   * `addBulk` calls in flight at once; publishes made meanwhile wait and go in the next call.
   * @default 2
   */
  readonly publishConcurrency?: number;
  /**
   * Milliseconds a publish may take, including the wait for a lost connection to come back, before
   * it fails with `SINK_TIMEOUT`.
   * @default 30_000
   */
  readonly publishTimeout?: number;
};

export type BullMqConnectionEvents = {
  /** The Redis connection failed (the error is `cause`); it reconnects on its own. */
  readonly error: {readonly error: PlantonError};
};

export type BullMqSink<Instruction extends TaskInstruction = TaskInstruction> = Sink<Instruction> & {
  readonly events: Emitter<BullMqConnectionEvents>;
  /** The BullMQ queue the sink adds to (for inspection: counts, jobs). */
  readonly queue: Queue;
};

export type BullMqWorkerConfiguration<Instruction extends TaskInstruction = TaskInstruction> = BullMqConnectionConfiguration & SinkWorkerConfiguration<Instruction> & {
  /**
   * Milliseconds `close()` may take (real time). It waits for the jobs being processed and for
   * Redis (not at all for a Redis that is down once no job is being processed); past this it drops
   * the worker's connections and resolves: a job still running then is moved back by BullMQ's
   * stalled-job check once its lock expires, and runs again.
   * @default 30_000
   */
  readonly closeTimeout?: number;
  /**
   * How many jobs this worker processes at once.
   * @default 10
   */
  readonly concurrency?: number;
  /**
   * Milliseconds a job given back to the queue waits (delayed in BullMQ, no attempt used up) before
   * it is taken again: a job whose execution the store could not check or record by the time the
   * worker closed.
   * @default 1_000
   */
  readonly retryDelay?: number;
  /**
   * Any other BullMQ `WorkerOptions` (`lockDuration`, `stalledInterval`, `maxStalledCount`,
   * `removeOnComplete`, `limiter`, …).
   * @default {}
   */
  readonly workerOptions?: Omit<WorkerOptions, 'autorun' | 'concurrency' | 'connection' | 'prefix'>;
};

export type BullMqWorkerEvents<Instruction extends TaskInstruction = TaskInstruction> = WorkerEvents<Instruction>;

export type BullMqWorker<Instruction extends TaskInstruction = TaskInstruction> = {
  /**
   * Stops taking jobs, waits for the jobs being processed (outcome recorded, job completed in
   * BullMQ), closes its connection; settles within `closeTimeout` whatever Redis does.
   */
  readonly close: () => Promise<void>;
  readonly events: Emitter<BullMqWorkerEvents<Instruction>>;
  /**
   * Resolves once the worker's connections are ready (it takes jobs from then on). Rejects with
   * `SINK_CONNECTION_REFUSED` when Redis refuses the first connection (it is retried all the same),
   * with `SINK_CLOSED` when the worker is closed first.
   */
  readonly waitUntilReady: () => Promise<void>;
  /** The BullMQ worker underneath. */
  readonly worker: Worker;
};
