import {setImmediate as yieldMacrotask} from 'node:timers/promises';
import {type JobsOptions, Queue} from 'bullmq';
import type {Redis} from 'ioredis';
import {createEmitter} from '../../planton/createEmitter.ts';
import {createErrorReporter} from '../../planton/createErrorReporter.ts';
import {createListenerErrorHook} from '../../planton/createListenerErrorHook.ts';
import {describeValue} from '../../planton/describeValue.ts';
import {Logger} from '../../planton/Logger.ts';
import type {TaskInstruction} from '../../planton/types.ts';
import {createBatcher} from '../../planton/createBatcher.ts';
import {createDeadlineQueue, type Deadline} from '../sinks/createDeadlineQueue.ts';
import {createConnectionRefusalGate} from '../sinks/createConnectionRefusalGate.ts';
import {BrokerConnectionError, InvalidSinkConfigurationError, type SinkConnectionRefusedError, SinkRejectedError} from '../sinks/errors.ts';
import type {SinkMessage} from '../sinks/types.ts';
import {connectRedis, validateConnectionConfiguration} from './connectRedis.ts';
import {createJobId} from './createJobId.ts';
import type {BullMqConnectionEvents, BullMqSink, BullMqSinkConfiguration} from './types.ts';

const log = Logger.child({
  namespace: 'createBullMqSink',
});

const DEFAULT_PUBLISH_TIMEOUT = 30_000;

const DEFAULT_PUBLISH_BATCH_SIZE = 1_000;

const DEFAULT_PUBLISH_CONCURRENCY = 2;

const validateConfiguration = (configuration: BullMqSinkConfiguration) => {
  const connection = validateConnectionConfiguration(configuration);
  const {
    jobOptions = {},
    publishBatchSize = DEFAULT_PUBLISH_BATCH_SIZE,
    publishConcurrency = DEFAULT_PUBLISH_CONCURRENCY,
    publishTimeout = DEFAULT_PUBLISH_TIMEOUT,
  } = configuration;

  if (typeof jobOptions !== 'object' || jobOptions === null || 'jobId' in jobOptions) {
    throw new InvalidSinkConfigurationError('jobOptions', `Expected \`jobOptions\` to be an object without \`jobId\`, got \`${describeValue(jobOptions)}\`.`);
  }

  if (!Number.isFinite(publishTimeout) || publishTimeout <= 0) {
    throw new InvalidSinkConfigurationError('publishTimeout', `Expected \`publishTimeout\` to be a finite number > 0, got \`${describeValue(publishTimeout)}\`.`);
  }

  if (!Number.isInteger(publishBatchSize) || publishBatchSize < 1) {
    throw new InvalidSinkConfigurationError('publishBatchSize', `Expected \`publishBatchSize\` to be an integer >= 1, got \`${describeValue(publishBatchSize)}\`.`);
  }

  if (!Number.isInteger(publishConcurrency) || publishConcurrency < 1) {
    throw new InvalidSinkConfigurationError('publishConcurrency', `Expected \`publishConcurrency\` to be an integer >= 1, got \`${describeValue(publishConcurrency)}\`.`);
  }

  return {...connection, jobOptions, publishBatchSize, publishConcurrency, publishTimeout};
};

const describeError = (error: unknown) => {
  return error instanceof Error ? error.message : String(error);
};

/** ioredis' ways of saying a command did not reach Redis or its reply did not come back. */
const CONNECTION_FAILURE = /Stream isn't writeable|Connection is closed|max retries per request|Command timed out|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT/iu;

/** One publish on its way to Redis. */
type PendingJob = {
  readonly data: Record<string, unknown>;
  /** When the publish times out (performance.now()): it rejects with `SINK_TIMEOUT` and is left out of the adds that follow. */
  readonly deadline: Deadline;
  /** The connection failure that made the last add of this job fail, if any. */
  lastError: unknown;
  readonly name: string;
  readonly options: JobsOptions;
};

/** What became of a job: stored (`null`), or the error its publish rejects with. */
type JobOutcome = SinkConnectionRefusedError | SinkRejectedError | null;

/**
 * A sink adding one BullMQ job per message: job name = task name, data = the message
 * (`{taskName, instruction, executionId}`), job id = `<task name>/<execution id>` so that a retried
 * add is stored once. `publish` resolves when Redis stored the job. The publishes made in the same
 * macrotask go to Redis together, in `addBulk` calls of up to `publishBatchSize` jobs
 * (`publishConcurrency` in flight); each publish still resolves or rejects on its own. While Redis is
 * unreachable a publish waits for the reconnection (its group is then added again, with the same job
 * ids); if the job is not stored within `publishTimeout` it rejects with `SINK_TIMEOUT`; a job Redis
 * refused rejects with `SINK_REJECTED` (the other jobs of its group are added one by one, so they
 * are not refused with it); after `close()`, `SINK_CLOSED`. The connection recovers on its own.
 * Until the first connection succeeds, a refused one (a closed port, a wrong password) rejects the
 * publishes at once with `SINK_CONNECTION_REFUSED` (also on `error`) while it is retried.
 */
export const createBullMqSink = <Instruction extends TaskInstruction = TaskInstruction>(configuration: BullMqSinkConfiguration): BullMqSink<Instruction> => {
  const {connection, jobOptions, prefix, publishBatchSize, publishConcurrency, publishTimeout, queueName, reconnection, url} = validateConfiguration(configuration);
  const events = createEmitter<BullMqConnectionEvents>(createListenerErrorHook(log));
  const reportError = createErrorReporter<BullMqConnectionEvents>({events, log});
  const redis: Redis = connection ?? connectRedis({reconnection, role: 'SINK', url: url as string});
  const queue = new Queue(queueName, {connection: redis, prefix});
  /** Resolves at the next `ready` of the connection; shared by every group waiting for it. */
  let nextReady: Promise<void> | null = null;
  let closed = false;
  let signalClosed!: () => void;
  /** Resolves at `close()`: groups waiting for the connection stop waiting. */
  const closing = new Promise<'CLOSED'>((resolve) => {
    signalClosed = () => {
      resolve('CLOSED');
    };
  });

  const refusal = createConnectionRefusalGate({broker: 'REDIS', report: (error) => {
    reportError({error}, 'Redis refused the connection (the sink retries)');
  }});

  if (redis.status === 'ready') {
    refusal.connected();
  }

  redis.on('ready', refusal.connected);

  const onError = (error: Error) => {
    if (!refusal.failed(error)) {
      reportError({error: new BrokerConnectionError(error)}, 'Redis connection error (the sink reconnects)');
    }
  };

  // Without a listener, an `error` of the queue would be thrown.
  queue.on('error', onError);

  const waitForReady = () => {
    nextReady ??= new Promise<void>((resolve) => {
      redis.once('ready', () => {
        nextReady = null;
        resolve();
      });
    });

    return nextReady;
  };

  /** Publishes waiting for Redis: one timer for all their timeouts. */
  const deadlines = createDeadlineQueue(publishTimeout);

  const isExpired = (job: PendingJob, now: number) => job.deadline.at <= now;

  const timeoutError = (job: PendingJob) => {
    return job.lastError === undefined ?
      new SinkRejectedError('TIMEOUT', `Redis did not store the job within ${publishTimeout} ms.`) :
      new SinkRejectedError('TIMEOUT', `Redis was unreachable for ${publishTimeout} ms: ${describeError(job.lastError)}`, job.lastError);
  };

  /**
   * Resolves once every job of `jobs` timed out (nobody waits for their add any more); `cancel`
   * stops the wait. One timer, set for the last deadline (jobs are in publish order).
   */
  const allExpired = (jobs: readonly PendingJob[]) => {
    let timer: NodeJS.Timeout | undefined;
    const last = jobs.at(-1) as PendingJob;
    const promise = new Promise<'EXPIRED'>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, last.deadline.at - performance.now()), 'EXPIRED');
      timer.unref();
    });

    return {
      cancel: () => {
        clearTimeout(timer);
      },
      promise,
    };
  };

  /**
   * Adds `jobs` in one `addBulk` (one round trip) until Redis stored them, each job's publish timed
   * out, or the sink closed. A lost connection: wait for it, then add the jobs not yet expired again
   * (their job ids store them once if the lost add did get through). A refusal with the connection
   * up: the jobs are added one by one, so that only the refused one fails.
   */
  const storeJobs = async (jobs: readonly PendingJob[]): Promise<ReadonlyMap<PendingJob, JobOutcome>> => {
    const outcomes = new Map<PendingJob, JobOutcome>();
    let live = jobs;

    for (;;) {
      const now = performance.now();

      // A job past its deadline is never reported stored: its publish rejects as timed out (here,
      // or already by the deadline queue, whichever came first).
      for (const job of live) {
        if (isExpired(job, now)) {
          outcomes.set(job, timeoutError(job));
        }
      }

      live = live.filter((job) => !outcomes.has(job));

      if (live.length === 0) {
        return outcomes;
      }

      if (closed) {
        for (const job of live) {
          outcomes.set(job, new SinkRejectedError('CLOSED', 'The sink was closed before Redis stored the job.', job.lastError));
        }

        return outcomes;
      }

      try {
        // A late reply after the timeout is harmless: the job id stores a retried add once, and a
        // consumer skips the job of an execution that was released meanwhile.
        const expiry = allExpired(live);
        const outcome = await refusal.race(Promise.race([queue.addBulk(live.map(({data, name, options}) => ({data, name, opts: options}))), expiry.promise])).finally(expiry.cancel);

        for (const job of live) {
          outcomes.set(job, outcome === 'EXPIRED' ? timeoutError(job) : null);
        }

        return outcomes;
      } catch (error) {
        if (closed) {
          for (const job of live) {
            outcomes.set(job, new SinkRejectedError('CLOSED', `The sink was closed before Redis stored the job: ${describeError(error)}`, error));
          }

          return outcomes;
        }

        if (redis.status === 'ready' && !CONNECTION_FAILURE.test(describeError(error))) {
          if (live.length === 1) {
            outcomes.set(live[0] as PendingJob, new SinkRejectedError('REJECTED', `Redis did not store the job: ${describeError(error)}`, error));

            return outcomes;
          }

          const separately = await Promise.all(live.map(async (job) => await storeJobs([job])));

          return new Map(separately.flatMap((outcome) => [...outcome]));
        }

        for (const job of live) {
          job.lastError = error;
        }

        // Disconnected: wait for the connection (the add fails at once without it: no offline
        // queue), then add again. A failure reported while the status still says `ready` (ioredis
        // has not seen the socket close yet) waits for the next macrotask, never spins on microtasks.
        if (redis.status === 'ready') {
          await yieldMacrotask();
        } else {
          const expiry = allExpired(live);

          try {
            // Before the first connection, a refusal (a closed port, a wrong password) fails the jobs at once.
            await refusal.race(Promise.race([waitForReady(), expiry.promise, closing]));
          } catch (refused) {
            for (const job of live) {
              outcomes.set(job, refused as SinkConnectionRefusedError);
            }

            return outcomes;
          } finally {
            expiry.cancel();
          }
        }
      }
    }
  };

  const batcher = createBatcher<PendingJob, JobOutcome>({
    maxBatchSize: publishBatchSize,
    maxInFlight: publishConcurrency,
    run: async (jobs) => {
      const outcomes = await storeJobs(jobs);

      // Every job has an outcome: stored, refused, closed or timed out.
      return jobs.map((job) => outcomes.get(job) ?? null);
    },
  });

  const publish = async (message: SinkMessage<Instruction>): Promise<void> => {
    if (closed) {
      throw new SinkRejectedError('CLOSED', 'The sink is closed.');
    }

    const {executionId} = message;

    await new Promise<void>((resolve, reject) => {
      const job: PendingJob = {
        data: executionId === undefined ?
          {instruction: message.instruction, taskName: message.taskName} :
          {executionId, instruction: message.instruction, taskName: message.taskName},
        deadline: deadlines.watch(() => {
          reject(timeoutError(job));
        }),
        lastError: undefined,
        name: message.taskName,
        options: executionId === undefined ? jobOptions : {...jobOptions, jobId: createJobId(message.taskName, executionId)},
      };

      // Once timed out, the publish has rejected: a later outcome changes nothing.
      batcher.add(job).then((outcome) => {
        job.deadline.clear();

        if (outcome === null) {
          resolve();
        } else {
          reject(outcome);
        }
      }, (error: unknown) => {
        job.deadline.clear();
        reject(error);
      });
    });
  };

  return {
    close: async () => {
      if (closed) {
        return;
      }

      closed = true;
      signalClosed();
      await queue.close();

      if (connection === undefined) {
        redis.disconnect();
      }
    },
    events,
    publish,
    queue,
  };
};
