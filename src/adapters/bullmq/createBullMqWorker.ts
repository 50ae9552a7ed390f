import {DelayedError, type Job, UnrecoverableError, Worker} from 'bullmq';
import type {Redis} from 'ioredis';
import {serializeError} from 'serialize-error';
import {createEmitter} from '../../planton/createEmitter.ts';
import {createErrorReporter} from '../../planton/createErrorReporter.ts';
import {createListenerErrorHook} from '../../planton/createListenerErrorHook.ts';
import {createSystemClock} from '../../planton/createSystemClock.ts';
import {describeValue} from '../../planton/describeValue.ts';
import {Logger} from '../../planton/Logger.ts';
import type {TaskInstruction} from '../../planton/types.ts';
import {createSinkMessageHandler} from '../sinks/createSinkMessageHandler.ts';
import {createConnectionRefusalGate} from '../sinks/createConnectionRefusalGate.ts';
import {BrokerConnectionError, InvalidSinkConfigurationError, SinkRejectedError} from '../sinks/errors.ts';
import {connectRedis, validateConnectionConfiguration} from './connectRedis.ts';
import type {BullMqWorker, BullMqWorkerConfiguration, BullMqWorkerEvents} from './types.ts';

const log = Logger.child({
  namespace: 'createBullMqWorker',
});

const DEFAULT_CLOSE_TIMEOUT = 30_000;

/** The close timeout runs on real time whatever `clock` the worker was given: it bounds a wait on the broker. */
const systemClock = createSystemClock();

const validateConfiguration = <Instruction extends TaskInstruction>(configuration: BullMqWorkerConfiguration<Instruction>) => {
  const connection = validateConnectionConfiguration(configuration);
  const {closeTimeout = DEFAULT_CLOSE_TIMEOUT, concurrency = 10, retryDelay = 1_000, workerOptions = {}} = configuration;

  if (!Number.isFinite(closeTimeout) || closeTimeout <= 0) {
    throw new InvalidSinkConfigurationError('closeTimeout', `Expected \`closeTimeout\` to be a finite number > 0, got \`${describeValue(closeTimeout)}\`.`);
  }

  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidSinkConfigurationError('concurrency', `Expected \`concurrency\` to be an integer >= 1, got \`${describeValue(concurrency)}\`.`);
  }

  if (!Number.isFinite(retryDelay) || retryDelay < 0) {
    throw new InvalidSinkConfigurationError('retryDelay', `Expected \`retryDelay\` to be a finite number >= 0, got \`${describeValue(retryDelay)}\`.`);
  }

  if (typeof workerOptions !== 'object' || workerOptions === null) {
    throw new InvalidSinkConfigurationError('workerOptions', `Expected \`workerOptions\` to be an object, got \`${describeValue(workerOptions)}\`.`);
  }

  return {...connection, closeTimeout, concurrency, retryDelay, workerOptions};
};

const toError = (value: unknown): Error => {
  return value instanceof Error ? value : new Error(`The processor threw a non-error: ${describeValue(value)}`);
};

/**
 * A BullMQ worker for the jobs of `createBullMqSink`. Each job goes through the shared worker logic
 * (`createSinkMessageHandler`): a job whose execution already ended — a retry, a stalled job moved
 * back, a release after an unconfirmed publish — completes without running (the checks of the jobs
 * that arrive together cost one `findNotRunning` read when the store has it); otherwise
 * `processor` runs while the execution is heartbeaten every `heartbeatInterval`, the outcome is
 * recorded (completions grouped into `completeExecutions` statements when the store has it;
 * `failExecution` with the processor's error), and only then BullMQ completes the job, or fails it
 * with the processor's error. A poison job fails at once (unrecoverable, code
 * `INVALID_SINK_MESSAGE` in its failed reason) and the queue goes on. While the store is
 * unreachable the job is held (BullMQ keeps renewing its lock) and the store call retried with a
 * growing delay (`storeRetry`); a job still unrecorded when the worker closes goes back to the queue
 * (delayed by `retryDelay`, without using up an attempt). Reconnects on its own; a job whose worker
 * died is moved back by BullMQ's stalled-job check (`lockDuration`, `stalledInterval`) and runs
 * again. A refused first connection (wrong port, wrong password) is reported as
 * `SINK_CONNECTION_REFUSED` and rejects `waitUntilReady()`; `close()` settles within
 * `closeTimeout` whatever Redis does.
 */
export const createBullMqWorker = <Instruction extends TaskInstruction = TaskInstruction>(configuration: BullMqWorkerConfiguration<Instruction>): BullMqWorker<Instruction> => {
  const {closeTimeout, concurrency, connection, prefix, queueName, reconnection, retryDelay, url, workerOptions} = validateConfiguration(configuration);
  const events = createEmitter<BullMqWorkerEvents<Instruction>>(createListenerErrorHook(log));
  const reportError = createErrorReporter<BullMqWorkerEvents<Instruction>>({events, log});
  // Validates processor, store, heartbeatInterval, storeRetry and the completion batching (throws before connecting).
  const handler = createSinkMessageHandler<Instruction>({
    clock: configuration.clock,
    completionBatchSize: configuration.completionBatchSize,
    completionConcurrency: configuration.completionConcurrency,
    events,
    heartbeatInterval: configuration.heartbeatInterval,
    processor: configuration.processor,
    store: configuration.store,
    storeRetry: configuration.storeRetry,
  });
  const redis: Redis = connection ?? connectRedis({reconnection, role: 'WORKER', url: url as string});
  const refusal = createConnectionRefusalGate({broker: 'REDIS', report: (error) => {
    reportError({error}, 'Redis refused the connection (the worker retries)');
  }});

  if (redis.status === 'ready') {
    refusal.connected();
  }

  redis.on('ready', refusal.connected);

  /** Puts the job back (delayed by `retryDelay`) without counting an attempt. */
  const requeue = async (job: Job, token: string | undefined): Promise<never> => {
    try {
      await job.moveToDelayed(Date.now() + retryDelay, token);
    } catch (error) {
      // Redis is away too: the job's lock expires and the stalled-job check moves it back.
      log.warn({error: serializeError(error), jobId: job.id}, 'could not delay a job; it comes back as a stalled job');
    }

    throw new DelayedError();
  };

  /** The jobs being processed: once none is left while Redis is down, `close()` has nothing to wait for. */
  const processing = new Set<Promise<void>>();

  const processJob = async (job: Job, token: string | undefined): Promise<void> => {
    const result = await handler.handleDecoded(job.data ?? null, {
      redelivered: job.attemptsStarted > 1 || job.stalledCounter > 0,
    });

    if (result.outcome === 'REJECT') {
      // Unrecoverable: failed at once, whatever `attempts` says.
      throw new UnrecoverableError(`${result.error.code}: ${result.error.message}`);
    }

    if (result.outcome === 'REQUEUE') {
      return await requeue(job, token);
    }

    if (result.processorError !== undefined) {
      // The job fails in BullMQ with the processor's error. With `attempts` > 1, BullMQ's retry finds
      // the execution ended and completes without running: Planton schedules the instruction again.
      throw toError(result.processorError.error);
    }
  };

  const worker = new Worker(queueName, async (job, token) => {
    const processed = processJob(job, token);

    processing.add(processed);

    try {
      await processed;
    } finally {
      processing.delete(processed);
    }
  }, {
    ...workerOptions,
    autorun: true,
    concurrency,
    connection: redis,
    prefix,
  });

  // Without a listener, an `error` of the worker would be thrown.
  worker.on('error', (error) => {
    if (!refusal.failed(error)) {
      reportError({error: new BrokerConnectionError(error)}, 'BullMQ worker error (it reconnects)');
    }
  });

  let closing: Promise<void> | null = null;
  /** Aborted by `close()`: a `waitUntilReady` still waiting rejects. */
  const closeSignal = new AbortController();

  /**
   * Past `closeTimeout`: drops the connections, so that the commands BullMQ's close waits for fail
   * (it then finishes on its own) and no reconnection outlives `close()`.
   */
  const abandon = (outcome: 'TIMED_OUT' | 'UNREACHABLE') => {
    log.warn({closeTimeout, outcome}, 'the worker did not close (Redis unreachable, or jobs still running past closeTimeout); its connections were dropped');

    if (connection === undefined) {
      redis.disconnect();
    }

    // BullMQ's own blocking connection (a copy of ours): forced, it disconnects without waiting for Redis.
    worker.backend.blockingConnection?.close(true).catch((error: unknown) => {
      log.debug({error: serializeError(error)}, 'closing the BullMQ blocking connection failed');
    });
    // Its lock renewal timer would keep the process alive: BullMQ stops it only once its close got past the jobs.
    void (worker as unknown as {readonly lockManager?: {readonly close: () => Promise<void>}}).lockManager?.close().catch(() => undefined);
  };

  return {
    close: () => {
      closing ??= (async () => {
        // Stops taking jobs and waits for the jobs being processed; those whose store calls are
        // still failing give up and go back to the queue.
        const timer = new AbortController();
        const closed = worker.close().then(() => 'CLOSED' as const, (error: unknown) => {
          log.warn({error: serializeError(error)}, 'closing the BullMQ worker failed');

          return 'CLOSED' as const;
        });

        closeSignal.abort();
        handler.close();

        // BullMQ's close waits for Redis (its blocking fetch, its connections' QUIT), forever while
        // Redis is down: once no job is being processed, an unreachable Redis is not waited for.
        const idleWhileUnreachable = async () => {
          while (processing.size > 0) {
            await Promise.allSettled(processing);
          }

          return redis.status === 'ready' ? await closed : 'UNREACHABLE' as const;
        };
        const outcome = await Promise.race([closed, idleWhileUnreachable(), systemClock.sleep(closeTimeout, timer.signal).then(() => 'TIMED_OUT' as const)]);

        timer.abort();

        if (outcome !== 'CLOSED') {
          abandon(outcome);
        } else if (connection === undefined) {
          redis.disconnect();
        }
      })();

      return closing;
    },
    events,
    waitUntilReady: async () => {
      const ready = refusal.race(worker.waitUntilReady());

      if (closeSignal.signal.aborted) {
        ready.catch(() => undefined);

        throw new SinkRejectedError('CLOSED', 'The worker is closed.');
      }

      await new Promise<void>((resolve, reject) => {
        const onClose = () => {
          reject(new SinkRejectedError('CLOSED', 'The worker was closed before its connections were ready.'));
        };

        closeSignal.signal.addEventListener('abort', onClose, {once: true});
        ready.then(resolve, reject).finally(() => {
          closeSignal.signal.removeEventListener('abort', onClose);
        });
      });
    },
    worker,
  };
};
