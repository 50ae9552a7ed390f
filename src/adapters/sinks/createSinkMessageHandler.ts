import {serializeError} from 'serialize-error';
import {createErrorReporter} from '../../planton/createErrorReporter.ts';
import {createSystemClock} from '../../planton/createSystemClock.ts';
import {describeValue} from '../../planton/describeValue.ts';
import type {PlantonError} from '../../planton/errors.ts';
import {Logger} from '../../planton/Logger.ts';
import type {Emitter, TaskInstruction} from '../../planton/types.ts';
import {calculateBackoffDelay, STORE_RETRY_BACKOFF} from '../../planton/calculateBackoffDelay.ts';
import {createExecutionBatcher, type ExecutionBatcher} from './createExecutionBatcher.ts';
import {createIntervalLoop, type IntervalLoop} from '../../planton/createIntervalLoop.ts';
import {type ParsedSinkMessage, parseSinkMessage, readSinkMessage} from './parseSinkMessage.ts';
import {InvalidSinkConfigurationError, InvalidSinkMessageError, WorkerStoreError, type WorkerStoreOperation} from './errors.ts';
import type {SinkMessage, SinkWorkerConfiguration, WorkerEvents} from './types.ts';
import type {ExecutionReference} from '../types.ts';

const log = Logger.child({
  namespace: 'createSinkMessageHandler',
});

const DEFAULT_HEARTBEAT_INTERVAL = 10_000;
const DEFAULT_COMPLETION_BATCH_SIZE = 1_000;
const DEFAULT_COMPLETION_CONCURRENCY = 2;
/** Executions one `findNotRunning` or `heartbeatExecutions` statement checks at most. */
const MAX_CHECK_BATCH_SIZE = 1_000;
/** `findNotRunning` or `heartbeatExecutions` statements in flight at once. */
const CHECK_CONCURRENCY = 2;

/** What the broker adapter does with the delivery: acknowledge it, drop it (dead-letter), or put it back. */
export type SinkMessageOutcome = 'ACK' | 'REJECT' | 'REQUEUE';

/**
 * What became of one delivery. `REJECT` carries the error it was rejected with (a broker that keeps
 * failed jobs puts its code in the failed reason); an `ACK` whose processor threw carries its error
 * (its execution is recorded FAILED).
 */
export type SinkMessageResult =
  | {readonly outcome: 'ACK'; readonly processorError?: {readonly error: unknown}}
  | {readonly error: PlantonError; readonly outcome: 'REJECT'}
  | {readonly outcome: 'REQUEUE'};

export type SinkMessageHandler = {
  /**
   * Stops retrying store calls: a message whose check or outcome the store has not taken yet
   * resolves `REQUEUE` (the broker delivers it again). Processors already running finish.
   */
  readonly close: () => void;
  /** Handles one delivery and resolves with what to do with it. Never rejects. */
  readonly handle: (payload: Buffer, context: {readonly redelivered: boolean}) => Promise<SinkMessageResult>;
  /** `handle` for a payload the broker's client already decoded from JSON (BullMQ's job data): no encoding round trip. */
  readonly handleDecoded: (value: unknown, context: {readonly redelivered: boolean}) => Promise<SinkMessageResult>;
};

export type SinkMessageHandlerConfiguration<Instruction extends TaskInstruction = TaskInstruction> = SinkWorkerConfiguration<Instruction> & {
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

const validatePositiveInteger = (option: string, value: unknown) => {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new InvalidSinkConfigurationError(option, `Expected \`${option}\` to be an integer >= 1, got \`${describeValue(value)}\`.`);
  }

  return value as number;
};

const validateConfiguration = <Instruction extends TaskInstruction>(configuration: SinkMessageHandlerConfiguration<Instruction>) => {
  const {
    completionBatchSize = DEFAULT_COMPLETION_BATCH_SIZE,
    completionConcurrency = DEFAULT_COMPLETION_CONCURRENCY,
    heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL,
    processor,
    store,
    storeRetry = {},
  } = configuration;

  if (typeof processor !== 'function') {
    throw new InvalidSinkConfigurationError('processor', `Expected \`processor\` to be a function, got \`${describeValue(processor)}\`.`);
  }

  for (const method of ['completeExecution', 'failExecution', 'heartbeat'] as const) {
    if (typeof store?.[method] !== 'function') {
      throw new InvalidSinkConfigurationError('store', `Expected \`store\` to have a \`${method}\` function, got \`${describeValue(store)}\`.`);
    }
  }

  for (const method of ['completeExecutions', 'findNotRunning', 'heartbeatExecutions', 'reviveExecution'] as const) {
    if (store[method] !== undefined && typeof store[method] !== 'function') {
      throw new InvalidSinkConfigurationError('store', `Expected \`store.${method}\`, if any, to be a function, got \`${describeValue(store[method])}\`.`);
    }
  }

  const {initialDelay = STORE_RETRY_BACKOFF.initialDelay, maxDelay = STORE_RETRY_BACKOFF.maxDelay} = storeRetry;

  return {
    completionBatchSize: validatePositiveInteger('completionBatchSize', completionBatchSize),
    completionConcurrency: validatePositiveInteger('completionConcurrency', completionConcurrency),
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
 * → `INVALID_SINK_MESSAGE`, `REJECT`); checks that its execution still runs (already ended —
 * completed, reaped, failed — → `skipped`, `ACK`, not run; released by its dispatcher after a
 * publish that timed out though the broker stored it → revived with `reviveExecution`, run); runs the
 * processor while heartbeating the execution every `heartbeatInterval`; records the outcome and only
 * then resolves `ACK`. With the store's batch forms, the checks of the deliveries that arrive
 * together cost one `findNotRunning` statement (a read; else `heartbeatExecutions`), the heartbeats
 * of the running ones one `heartbeatExecutions` statement, the completions of those that finish
 * together one `completeExecutions` statement; without them, one `heartbeat` / `completeExecution`
 * each. A store call that fails is retried with a growing delay while the message is held (the
 * broker's prefetch keeps further deliveries away), never in a tight loop; after `close()` it gives
 * up and the message is requeued. Two deliveries of one execution in this worker never run at once:
 * the second waits for the first and then finds it ended.
 */
export const createSinkMessageHandler = <Instruction extends TaskInstruction = TaskInstruction>(configuration: SinkMessageHandlerConfiguration<Instruction>): SinkMessageHandler => {
  const {completionBatchSize, completionConcurrency, heartbeatInterval, processor, retry, store} = validateConfiguration(configuration);
  const {events} = configuration;
  const clock = configuration.clock ?? createSystemClock();
  const closing = new AbortController();
  const completions: ExecutionBatcher<Instruction> | null = store.completeExecutions === undefined || completionBatchSize === 1 ?
    null :
    createExecutionBatcher<Instruction>({apply: store.completeExecutions, maxBatchSize: completionBatchSize, maxInFlight: completionConcurrency});
  const heartbeats: ExecutionBatcher<Instruction> | null = store.heartbeatExecutions === undefined ?
    null :
    createExecutionBatcher<Instruction>({apply: store.heartbeatExecutions, maxBatchSize: MAX_CHECK_BATCH_SIZE, maxInFlight: CHECK_CONCURRENCY});
  /** Checks before a run read only when the store can (no commit to wait for); else they heartbeat. */
  const checks: ExecutionBatcher<Instruction> | null = store.findNotRunning === undefined ?
    null :
    createExecutionBatcher<Instruction>({apply: store.findNotRunning, maxBatchSize: MAX_CHECK_BATCH_SIZE, maxInFlight: CHECK_CONCURRENCY});
  /** Deliveries being handled, by execution: a redelivery of one of them waits for it. */
  const inProgress = new Map<string, Promise<unknown>>();
  /** The executions whose processor runs now (with their message, for logs), heartbeaten together every `heartbeatInterval`. */
  const running = new Map<ExecutionReference<Instruction>, SinkMessage<Instruction>>();
  /** Runs while `running` is not empty: one timer for all of them, not one per message. */
  let heartbeatLoop: IntervalLoop | null = null;

  const reportError = createErrorReporter<WorkerEvents<Instruction>>({events, log});

  /** Calls the store until it answers; `GAVE_UP` once the handler is closed. */
  const callStore = async (operation: WorkerStoreOperation, call: () => Promise<'APPLIED' | 'NOT_RUNNING'>): Promise<'APPLIED' | 'GAVE_UP' | 'NOT_RUNNING'> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (isNotRunning(error)) {
          return 'NOT_RUNNING';
        }

        reportError({error: new WorkerStoreError(operation, error, attempt + 1)}, 'a worker store call failed; retrying');

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

  /** "Is it still RUNNING?" and a heartbeat, in one statement (shared with the deliveries that arrived meanwhile when the store can batch). */
  const heartbeat = async (reference: ExecutionReference<Instruction>) => {
    if (heartbeats === null) {
      await store.heartbeat(reference);

      return 'APPLIED';
    }

    return await heartbeats.apply(reference);
  };

  const complete = async (reference: ExecutionReference<Instruction>) => {
    if (completions === null) {
      await store.completeExecution(reference);

      return 'APPLIED';
    }

    return await completions.apply(reference);
  };

  const beat = async (reference: ExecutionReference<Instruction>, message: SinkMessage<Instruction>) => {
    let result: 'APPLIED' | 'NOT_RUNNING';

    try {
      result = await heartbeat(reference);
    } catch (error) {
      if (!isNotRunning(error)) {
        reportError({error: new WorkerStoreError('HEARTBEAT', error)}, 'a heartbeat failed; trying again at the next interval');

        return;
      }

      result = 'NOT_RUNNING';
    }

    // A processor that finished meanwhile ended its execution: nothing to warn about.
    if (result === 'NOT_RUNNING' && running.has(reference)) {
      log.warn({message}, 'the execution ended while its processor was running (reaped or ended elsewhere)');
    }
  };

  const startHeartbeating = (reference: ExecutionReference<Instruction>, message: SinkMessage<Instruction>) => {
    running.set(reference, message);
    heartbeatLoop ??= createIntervalLoop({
      clock,
      interval: heartbeatInterval,
      run: async () => {
        await Promise.all([...running].map(async ([runningReference, runningMessage]) => {
          await beat(runningReference, runningMessage);
        }));
      },
    });
  };

  const stopHeartbeating = (reference: ExecutionReference<Instruction>) => {
    running.delete(reference);

    if (running.size === 0 && heartbeatLoop !== null) {
      // Not awaited: a heartbeat in flight finds the execution ended and says nothing.
      void heartbeatLoop.stop();
      heartbeatLoop = null;
    }
  };

  const run = async (parsed: ParsedSinkMessage<Instruction>, redelivered: boolean): Promise<SinkMessageResult> => {

    if (!parsed.ok) {
      const error = new InvalidSinkMessageError(parsed.content, parsed.reason);

      reportError({error}, 'rejected a poison message');

      return {error, outcome: 'REJECT'};
    }

    const {message} = parsed;
    const reference: ExecutionReference<Instruction> = message.executionId === undefined ?
      {instruction: message.instruction, taskName: message.taskName} :
      {executionId: message.executionId};
    const key = toKey(reference);

    for (let previous = inProgress.get(key); previous !== undefined; previous = inProgress.get(key)) {
      await previous;
    }

    const handled = (async (): Promise<SinkMessageResult> => {
      const checked = await callStore('CHECK', async () => checks === null ? await heartbeat(reference) : await checks.apply(reference));

      if (checked === 'GAVE_UP') {
        return {outcome: 'REQUEUE'};
      }

      // Not running: a redelivery of ended work (skipped), unless the dispatcher released the
      // execution because the broker's confirm came too late: the message did get through, so the
      // execution runs again (reviveExecution refuses anything else) and the work is done.
      const revived = checked === 'NOT_RUNNING' && message.executionId !== undefined && store.reviveExecution !== undefined ?
        await callStore('REVIVE', async () => await store.reviveExecution?.({executionId: message.executionId as number}) ? 'APPLIED' : 'NOT_RUNNING') :
        checked;

      if (revived === 'GAVE_UP') {
        return {outcome: 'REQUEUE'};
      }

      if (revived === 'NOT_RUNNING') {
        events.emit('skipped', {message});

        return {outcome: 'ACK'};
      }

      let processorError: {readonly error: unknown} | null = null;

      startHeartbeating(reference, message);

      try {
        await processor(message, {redelivered});
      } catch (error) {
        processorError = {error};
      } finally {
        stopHeartbeating(reference);
      }

      const outcome = processorError;
      const recorded = outcome === null ?
        await callStore('COMPLETE', async () => await complete(reference)) :
        await callStore('FAIL', async () => {
          await store.failExecution(reference, outcome.error);

          return 'APPLIED';
        });

      if (recorded === 'GAVE_UP') {
        return {outcome: 'REQUEUE'};
      }

      // NOT_RUNNING: ended meanwhile (the processor ended it in its own transaction, or the reaper did): nothing left to record.
      if (outcome === null) {
        events.emit('completed', {message});

        return {outcome: 'ACK'};
      }

      events.emit('failed', {error: outcome.error, message});

      return {outcome: 'ACK', processorError: outcome};
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

  /** `run`, but never rejects: an unexpected failure puts the message back rather than lose it. */
  const runSafely = async (parse: () => ParsedSinkMessage<Instruction>, redelivered: boolean): Promise<SinkMessageResult> => {
    try {
      return await run(parse(), redelivered);
    } catch (error) {
      // Not expected (store calls and the processor are caught above).
      log.error({error: serializeError(error)}, 'handling a message failed unexpectedly; requeueing it');

      return {outcome: 'REQUEUE'};
    }
  };

  return {
    close: () => {
      closing.abort();
    },
    handle: async (payload, {redelivered}) => await runSafely(() => parseSinkMessage<Instruction>(payload), redelivered),
    // describeValue, not JSON.stringify: a value JSON cannot hold (a bigint, a cycle) is still a poison message to reject, not a failure to requeue.
    handleDecoded: async (value, {redelivered}) => await runSafely(() => readSinkMessage<Instruction>(value, () => describeValue(value)), redelivered),
  };
};
