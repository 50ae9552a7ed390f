import {serializeError} from 'serialize-error';
import {createSystemClock} from '../planton/createSystemClock.ts';
import {describeValue} from '../planton/describeValue.ts';
import type {PlantonError} from '../planton/errors.ts';
import {Logger} from '../planton/Logger.ts';
import type {Emitter, TaskInstruction} from '../planton/types.ts';
import {calculateBackoffDelay} from './calculateBackoffDelay.ts';
import {createCompletionBatcher} from './createCompletionBatcher.ts';
import {createIntervalLoop} from './createIntervalLoop.ts';
import {parseSinkMessage} from './parseSinkMessage.ts';
import {InvalidSinkConfigurationError, InvalidSinkMessageError, WorkerStoreError, type WorkerStoreOperation} from './sinkErrors.ts';
import type {SinkWorkerOptions, WorkerEvents} from './sinkTypes.ts';
import type {ExecutionReference} from './types.ts';

const log = Logger.child({
  namespace: 'createSinkMessageHandler',
});

const DEFAULT_HEARTBEAT_INTERVAL = 10_000;
const DEFAULT_RETRY_INITIAL_DELAY = 100;
const DEFAULT_RETRY_MAX_DELAY = 5_000;
/** Completions recorded by one `completeExecutions` statement at most. */
const MAX_COMPLETION_BATCH_SIZE = 1_000;

/** What the broker adapter does with the delivery: acknowledge it, drop it (dead-letter), or put it back. */
export type SinkMessageOutcome = 'ACK' | 'REJECT' | 'REQUEUE';

export type SinkMessageHandler = {
  /**
   * Stops retrying store calls: a message whose check or outcome the store has not taken yet
   * resolves `REQUEUE` (the broker delivers it again). Processors already running finish.
   */
  readonly close: () => void;
  /** Handles one delivery and resolves with what to do with it. Never rejects. */
  readonly handle: (payload: Buffer, context: {readonly redelivered: boolean}) => Promise<SinkMessageOutcome>;
};

export type SinkMessageHandlerConfiguration<Instruction extends TaskInstruction = TaskInstruction> = SinkWorkerOptions<Instruction> & {
  /** Where the handler reports `completed`, `failed`, `skipped` and `error`. */
  readonly events: Pick<Emitter<WorkerEvents<Instruction>>, 'emit'>;
};

const isNotRunning = (error: unknown) => {
  return (error as {code?: unknown} | null)?.code === 'EXECUTION_NOT_RUNNING';
};

const validatePositive = (option: string, value: unknown) => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidSinkConfigurationError(option, `Expected \`${option}\` to be a finite number > 0, got \`${describeValue(value)}\`.`);
  }

  return value;
};

const validateConfiguration = <Instruction extends TaskInstruction>(configuration: SinkMessageHandlerConfiguration<Instruction>) => {
  const {heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL, processor, store, storeRetry = {}} = configuration;

  if (typeof processor !== 'function') {
    throw new InvalidSinkConfigurationError('processor', `Expected \`processor\` to be a function, got \`${describeValue(processor)}\`.`);
  }

  for (const method of ['completeExecution', 'failExecution', 'heartbeat'] as const) {
    if (typeof store?.[method] !== 'function') {
      throw new InvalidSinkConfigurationError('store', `Expected \`store\` to have a \`${method}\` function, got \`${describeValue(store)}\`.`);
    }
  }

  const {initialDelay = DEFAULT_RETRY_INITIAL_DELAY, maxDelay = DEFAULT_RETRY_MAX_DELAY} = storeRetry;

  return {
    heartbeatInterval: validatePositive('heartbeatInterval', heartbeatInterval),
    processor,
    retry: {
      initialDelay: validatePositive('storeRetry.initialDelay', initialDelay),
      maxDelay: validatePositive('storeRetry.maxDelay', maxDelay),
    },
    store,
  };
};

const toKey = (reference: ExecutionReference) => {
  return 'executionId' in reference ? `#${reference.executionId}` : JSON.stringify([reference.taskName, reference.instruction]);
};

/**
 * The broker-independent half of every sink's worker. For each delivery: parses it (a poison message
 * → `INVALID_SINK_MESSAGE`, `REJECT`); checks that its execution still runs with one
 * `store.heartbeat` by id (already ended — completed, released after an unconfirmed publish,
 * reaped — → `skipped`, `ACK`, not run); runs the processor while heartbeating the execution every
 * `heartbeatInterval`; records the outcome (completions batched through `completeExecutions` when the
 * store has it) and only then resolves `ACK`. A store call that fails is retried with a growing
 * delay while the message is held (the broker's prefetch keeps further deliveries away), never in a
 * tight loop; after `close()` it gives up and the message is requeued. Two deliveries of one
 * execution in this worker never run at once: the second waits for the first and then finds it ended.
 */
export const createSinkMessageHandler = <Instruction extends TaskInstruction = TaskInstruction>(configuration: SinkMessageHandlerConfiguration<Instruction>): SinkMessageHandler => {
  const {heartbeatInterval, processor, retry, store} = validateConfiguration(configuration);
  const {events} = configuration;
  const clock = configuration.clock ?? createSystemClock();
  const closing = new AbortController();
  const batcher = store.completeExecutions === undefined ?
    null :
    createCompletionBatcher<Instruction>({completeExecutions: store.completeExecutions, maxBatchSize: MAX_COMPLETION_BATCH_SIZE});
  /** Deliveries being handled, by execution: a redelivery of one of them waits for it. */
  const inProgress = new Map<string, Promise<unknown>>();

  const reportError = (error: PlantonError, message: string) => {
    log.error({error: serializeError(error)}, message);
    events.emit('error', {error});
  };

  /** Calls the store until it answers; `GAVE_UP` once the handler is closed. */
  const callStore = async (operation: WorkerStoreOperation, call: () => Promise<unknown>): Promise<'DONE' | 'GAVE_UP' | 'NOT_RUNNING'> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call() === 'NOT_RUNNING' ? 'NOT_RUNNING' : 'DONE';
      } catch (error) {
        if (isNotRunning(error)) {
          return 'NOT_RUNNING';
        }

        reportError(new WorkerStoreError(operation, error, attempt + 1), 'a worker store call failed; retrying');

        if (closing.signal.aborted) {
          return 'GAVE_UP';
        }

        await clock.sleep(calculateBackoffDelay({attempt, ...retry}), closing.signal);

        if (closing.signal.aborted) {
          return 'GAVE_UP';
        }
      }
    }
  };

  const complete = async (reference: ExecutionReference<Instruction>) => {
    if (batcher === null) {
      await store.completeExecution(reference);

      return 'COMPLETED';
    }

    return await batcher.complete(reference);
  };

  const run = async (payload: Buffer, redelivered: boolean): Promise<SinkMessageOutcome> => {
    const parsed = parseSinkMessage<Instruction>(payload);

    if (!parsed.ok) {
      reportError(new InvalidSinkMessageError(parsed.content, parsed.reason), 'rejected a poison message');

      return 'REJECT';
    }

    const {message} = parsed;
    const reference: ExecutionReference<Instruction> = message.executionId === undefined ?
      {instruction: message.instruction, taskName: message.taskName} :
      {executionId: message.executionId};
    const key = toKey(reference);

    for (let previous = inProgress.get(key); previous !== undefined; previous = inProgress.get(key)) {
      await previous;
    }

    const handled = (async (): Promise<SinkMessageOutcome> => {
      // One UPDATE by id: "is it still RUNNING?" and a first heartbeat.
      const checked = await callStore('CHECK', async () => {
        await store.heartbeat(reference);
      });

      if (checked === 'GAVE_UP') {
        return 'REQUEUE';
      }

      if (checked === 'NOT_RUNNING') {
        events.emit('skipped', {message});

        return 'ACK';
      }

      const heartbeat = createIntervalLoop({
        clock,
        interval: heartbeatInterval,
        run: async () => {
          try {
            await store.heartbeat(reference);
          } catch (error) {
            if (isNotRunning(error)) {
              log.warn({message}, 'the execution ended while its processor was running (reaped or ended elsewhere)');
            } else {
              reportError(new WorkerStoreError('HEARTBEAT', error), 'a heartbeat failed; trying again at the next interval');
            }
          }
        },
      });
      let processorError: {readonly error: unknown} | null = null;

      try {
        await processor(message, {redelivered});
      } catch (error) {
        processorError = {error};
      } finally {
        await heartbeat.stop();
      }

      const outcome = processorError;
      const recorded = outcome === null ?
        await callStore('COMPLETE', async () => await complete(reference)) :
        await callStore('FAIL', async () => {
          await store.failExecution(reference, outcome.error);
        });

      if (recorded === 'GAVE_UP') {
        return 'REQUEUE';
      }

      // NOT_RUNNING: ended meanwhile (the processor ended it in its own transaction, or the reaper did): nothing left to record.
      if (processorError === null) {
        events.emit('completed', {message});
      } else {
        events.emit('failed', {error: processorError.error, message});
      }

      return 'ACK';
    })();

    inProgress.set(key, handled);

    try {
      return await handled;
    } finally {
      if (inProgress.get(key) === handled) {
        inProgress.delete(key);
      }
    }
  };

  return {
    close: () => {
      closing.abort();
    },
    handle: async (payload, {redelivered}) => {
      try {
        return await run(payload, redelivered);
      } catch (error) {
        // Not expected (store calls and the processor are caught above); put the message back rather than lose it.
        log.error({error: serializeError(error)}, 'handling a message failed unexpectedly; requeueing it');

        return 'REQUEUE';
      }
    },
  };
};
