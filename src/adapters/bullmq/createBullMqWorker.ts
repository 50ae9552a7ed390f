import {DelayedError, type Job, UnrecoverableError, Worker} from 'bullmq';
import type {Redis} from 'ioredis';
import {serializeError} from 'serialize-error';
import {createEmitter} from '../../planton/createEmitter.ts';
import {describeValue} from '../../planton/describeValue.ts';
import type {PlantonError} from '../../planton/errors.ts';
import {Logger} from '../../planton/Logger.ts';
import type {TaskInstruction} from '../../planton/types.ts';
import {StoreBackgroundError} from '../errors.ts';
import {parseSinkMessage} from '../parseSinkMessage.ts';
import {BrokerConnectionError, InvalidSinkConfigurationError, InvalidSinkMessageError, WorkerStoreError} from '../sinkErrors.ts';
import type {SinkMessage} from '../sinkTypes.ts';
import type {ExecutionReference} from '../types.ts';
import {connectRedis, validateConnectionConfiguration} from './connectRedis.ts';
import {type CompletionOutcome, createCompletionBatcher} from './createCompletionBatcher.ts';
import type {BullMqWorker, BullMqWorkerConfiguration, BullMqWorkerEvents} from './types.ts';

const log = Logger.child({
  namespace: 'createBullMqWorker',
});

const isPositiveInteger = (value: unknown): value is number => {
  return Number.isInteger(value) && (value as number) >= 1;
};

const validateConfiguration = <Instruction extends TaskInstruction>(configuration: BullMqWorkerConfiguration<Instruction>) => {
  const connection = validateConnectionConfiguration(configuration);
  const {checkExecution = 'ALWAYS', completionBatchSize = 1_000, completionConcurrency = 2, concurrency = 10, heartbeatInterval = 10_000, processor, retryDelay = 1_000, store, workerOptions = {}} = configuration;

  if (typeof processor !== 'function') {
    throw new InvalidSinkConfigurationError('processor', `Expected \`processor\` to be a function, got \`${describeValue(processor)}\`.`);
  }

  for (const method of ['completeExecution', 'failExecution', 'heartbeat'] as const) {
    if (typeof store?.[method] !== 'function') {
      throw new InvalidSinkConfigurationError('store', `Expected \`store\` to have a \`${method}\` function, got \`${describeValue(store)}\`.`);
    }
  }

  if (!isPositiveInteger(concurrency)) {
    throw new InvalidSinkConfigurationError('concurrency', `Expected \`concurrency\` to be an integer >= 1, got \`${describeValue(concurrency)}\`.`);
  }

  if (!isPositiveInteger(completionBatchSize)) {
    throw new InvalidSinkConfigurationError('completionBatchSize', `Expected \`completionBatchSize\` to be an integer >= 1, got \`${describeValue(completionBatchSize)}\`.`);
  }

  if (!isPositiveInteger(completionConcurrency)) {
    throw new InvalidSinkConfigurationError('completionConcurrency', `Expected \`completionConcurrency\` to be an integer >= 1, got \`${describeValue(completionConcurrency)}\`.`);
  }

  if (checkExecution !== 'ALWAYS' && checkExecution !== 'REDELIVERED') {
    throw new InvalidSinkConfigurationError('checkExecution', `Expected \`checkExecution\` to be 'ALWAYS' or 'REDELIVERED', got \`${describeValue(checkExecution)}\`.`);
  }

  if (!Number.isFinite(heartbeatInterval) || heartbeatInterval <= 0) {
    throw new InvalidSinkConfigurationError('heartbeatInterval', `Expected \`heartbeatInterval\` to be a finite number > 0, got \`${describeValue(heartbeatInterval)}\`.`);
  }

  if (!Number.isFinite(retryDelay) || retryDelay < 0) {
    throw new InvalidSinkConfigurationError('retryDelay', `Expected \`retryDelay\` to be a finite number >= 0, got \`${describeValue(retryDelay)}\`.`);
  }

  if (typeof workerOptions !== 'object' || workerOptions === null) {
    throw new InvalidSinkConfigurationError('workerOptions', `Expected \`workerOptions\` to be an object, got \`${describeValue(workerOptions)}\`.`);
  }

  return {...connection, checkExecution, completionBatchSize, completionConcurrency, concurrency, heartbeatInterval, processor, retryDelay, store, workerOptions};
};

const isNotRunning = (error: unknown) => {
  return (error as {code?: unknown} | null)?.code === 'EXECUTION_NOT_RUNNING';
};

const toError = (value: unknown): Error => {
  return value instanceof Error ? value : new Error(`The processor threw a non-error: ${describeValue(value)}`);
};

/**
 * A BullMQ worker for the jobs of `createBullMqSink`. For each job: checks that its execution still
 * runs (`store.heartbeat`; a job whose execution already ended — a retry, a stalled job moved back,
 * a release after an unconfirmed publish — completes without running), runs `processor` while
 * heartbeating the execution every `heartbeatInterval`, records the outcome (completions grouped
 * into `completeExecutions` batches when the store has it; `failExecution` with the processor's
 * error), and only then lets BullMQ complete the job (or fail it with the processor's error). A
 * poison job fails at once (unrecoverable, code `INVALID_SINK_MESSAGE` in its failed reason) and the
 * queue goes on. A job whose execution the store could not check or record is delayed by
 * `retryDelay` and tried again. Reconnects on its own; a job whose worker died is moved back by
 * BullMQ's stalled-job check (`lockDuration`, `stalledInterval`) and runs again.
 */
export const createBullMqWorker = <Instruction extends TaskInstruction = TaskInstruction>(configuration: BullMqWorkerConfiguration<Instruction>): BullMqWorker<Instruction> => {
  const {checkExecution, completionBatchSize, completionConcurrency, concurrency, connection, heartbeatInterval, prefix, processor, queueName, reconnection, retryDelay, store, url, workerOptions} = validateConfiguration(configuration);
  const events = createEmitter<BullMqWorkerEvents<Instruction>>((eventName, _payload, error) => {
    log.error({error: serializeError(error), eventName: String(eventName)}, 'a worker event listener threw');
  });
  const redis: Redis = connection ?? connectRedis({reconnection, role: 'WORKER', url: url as string});
  const {completeExecutions} = store;
  const batcher = completeExecutions !== undefined && completionBatchSize > 1 ?
    createCompletionBatcher<Instruction>({batchSize: completionBatchSize, completeExecutions, maxFlushes: completionConcurrency}) :
    null;
  /** Executions whose processor runs now, heartbeaten every `heartbeatInterval`. */
  const running = new Set<ExecutionReference<Instruction>>();

  const reportError = (error: PlantonError, message: string) => {
    log.error({error: serializeError(error)}, message);
    events.emit('error', {error});
  };

  const complete = async (reference: ExecutionReference<Instruction>): Promise<CompletionOutcome> => {
    if (batcher !== null) {
      return await batcher.complete(reference);
    }

    try {
      await store.completeExecution(reference);

      return 'COMPLETED';
    } catch (error) {
      if (isNotRunning(error)) {
        return 'NOT_RUNNING';
      }

      throw error;
    }
  };

  /** Puts the job back (delayed by `retryDelay`) without counting an attempt; BullMQ then takes the next job. */
  const retryLater = async (job: Job, token: string | undefined): Promise<never> => {
    try {
      await job.moveToDelayed(Date.now() + retryDelay, token);
    } catch (error) {
      // Redis is away too: the job's lock expires and the stalled-job check moves it back.
      log.warn({error: serializeError(error), jobId: job.id}, 'could not delay a job; it comes back as a stalled job');
    }

    throw new DelayedError();
  };

  const handle = async (job: Job, token: string | undefined): Promise<void> => {
    const parsed = parseSinkMessage<Instruction>(Buffer.from(JSON.stringify(job.data ?? null)));

    if (!parsed.ok) {
      const error = new InvalidSinkMessageError(parsed.content, parsed.reason);

      reportError(error, 'failed a poison job');

      // Unrecoverable: failed at once, whatever `attempts` says.
      throw new UnrecoverableError(`${error.code}: ${error.message}`);
    }

    const message: SinkMessage<Instruction> = parsed.message;
    // A fresh object per job: `running` tells two deliveries of one execution apart.
    const reference: ExecutionReference<Instruction> = message.executionId === undefined ?
      {instruction: message.instruction, taskName: message.taskName} :
      {executionId: message.executionId};

    const redelivered = job.attemptsStarted > 1 || job.stalledCounter > 0;

    try {
      if (checkExecution === 'ALWAYS' || redelivered) {
        await store.heartbeat(reference);
      }
    } catch (error) {
      if (isNotRunning(error)) {
        events.emit('skipped', {message});

        return;
      }

      reportError(new WorkerStoreError('CHECK', error), 'could not check a job\'s execution; the job is retried later');

      return await retryLater(job, token);
    }

    let processorError: {readonly error: unknown} | null = null;

    running.add(reference);

    try {
      await processor(message, {redelivered});
    } catch (error) {
      processorError = {error};
    } finally {
      running.delete(reference);
    }

    try {
      if (processorError === null) {
        await complete(reference);
      } else {
        await store.failExecution(reference, processorError.error);
      }
    } catch (error) {
      // Ended meanwhile (the processor ended it in its own transaction, or the reaper terminated it): nothing left to record.
      if (!isNotRunning(error)) {
        reportError(new WorkerStoreError(processorError === null ? 'COMPLETE' : 'FAIL', error), 'could not record a job\'s outcome; the job is retried later');

        return await retryLater(job, token);
      }
    }

    if (processorError === null) {
      events.emit('completed', {message});

      return;
    }

    events.emit('failed', {error: processorError.error, message});

    // The job fails in BullMQ with the processor's error. With `attempts` > 1, BullMQ's retry finds
    // the execution ended and completes without running: Planton schedules the instruction again.
    throw toError(processorError.error);
  };

  const worker = new Worker(queueName, async (job, token) => {
    await handle(job, token);
  }, {
    ...workerOptions,
    autorun: true,
    concurrency,
    connection: redis,
    prefix,
  });

  // Without a listener, an `error` of the worker would be thrown.
  worker.on('error', (error) => {
    reportError(new BrokerConnectionError(error), 'BullMQ worker error (it reconnects)');
  });

  const heartbeat = setInterval(() => {
    for (const reference of running) {
      store.heartbeat(reference).catch((error: unknown) => {
        if (isNotRunning(error)) {
          log.warn({reference}, 'an execution whose processor runs has ended elsewhere (terminated by the reaper?)');
        } else {
          reportError(new StoreBackgroundError('HEARTBEAT', error), 'could not heartbeat an execution');
        }
      });
    }
  }, heartbeatInterval);

  heartbeat.unref();

  let closing: Promise<void> | null = null;

  return {
    close: () => {
      closing ??= (async () => {
        // Waits for the jobs being processed.
        await worker.close();
        clearInterval(heartbeat);

        if (connection === undefined) {
          redis.disconnect();
        }
      })();

      return closing;
    },
    events,
    waitUntilReady: async () => {
      await worker.waitUntilReady();
    },
    worker,
  };
};
