import {setMaxListeners} from 'node:events';
import {serializeError} from 'serialize-error';
import {createBatcher} from '../../planton/createBatcher.ts';
import {createEmitter} from '../../planton/createEmitter.ts';
import {createSystemClock} from '../../planton/createSystemClock.ts';
import {describeValue} from '../../planton/describeValue.ts';
import type {PlantonError} from '../../planton/errors.ts';
import {Logger} from '../../planton/Logger.ts';
import type {TaskEvent, TaskInstruction} from '../../planton/types.ts';
import {InvalidProcessorConfigurationError, ProcessorHandlerMissingError, ProcessorStoppedError} from '../errors.ts';
import type {ExecutionReference} from '../types.ts';
import {createOutcomeWriter} from './createOutcomeWriter.ts';
import {createSlots} from './createSlots.ts';
import type {ProcessedInstruction, Processor, ProcessorBatchHandling, ProcessorConfiguration, ProcessorEvents, ProcessorHandler} from './types.ts';

const log = Logger.child({
  namespace: 'createProcessor',
});

const DEFAULT_COMPLETION_BATCH_SIZE = 1_000;
const DEFAULT_COMPLETION_CONCURRENCY = 2;
const DEFAULT_STOP_TIMEOUT = 10_000;
const DEFAULT_BATCH_SIZE = 100;

/** A handler's end as the processor sees it: resolved (`null`), threw (`{error}`), or given up at the stop deadline. */
type HandlerOutcome = 'ABANDONED' | {readonly error: unknown} | null;

/** A call's end: its value, its error, or given up at the stop deadline. */
type Settlement = 'ABANDONED' | {readonly error: unknown} | {readonly value: unknown};

type ResolvedHandler<Instruction extends TaskInstruction> =
  | {readonly batch: NonNullable<ProcessorBatchHandling<Instruction>['batch']>; readonly batchSize: number}
  | {readonly handler: ProcessorHandler<Instruction>};

const isFunction = (value: unknown): value is (...parameters: never[]) => unknown => {
  return typeof value === 'function';
};

const validateInteger = (option: string, value: unknown, {allowInfinity = false} = {}): number => {
  if ((typeof value !== 'number' || !Number.isInteger(value) || value < 1) && !(allowInfinity && value === Number.POSITIVE_INFINITY)) {
    throw new InvalidProcessorConfigurationError(option, `Expected \`${option}\` to be an integer >= 1${allowInfinity ? ' or Infinity' : ''}, got \`${describeValue(value)}\`.`);
  }

  return value as number;
};

const validateConfiguration = <Instruction extends TaskInstruction>(configuration: ProcessorConfiguration<Instruction>) => {
  const {
    completionBatchSize = DEFAULT_COMPLETION_BATCH_SIZE,
    completionConcurrency = DEFAULT_COMPLETION_CONCURRENCY,
    concurrency = Number.POSITIVE_INFINITY,
    handlers,
    planton,
    stopTimeout = DEFAULT_STOP_TIMEOUT,
    store,
  } = configuration;

  if (typeof handlers !== 'object' || handlers === null) {
    throw new InvalidProcessorConfigurationError('handlers', `Expected \`handlers\` to be an object of functions by task name, got \`${describeValue(handlers)}\`.`);
  }

  const resolvedHandlers = new Map<string, ResolvedHandler<Instruction>>();

  for (const [taskName, handler] of Object.entries(handlers)) {
    if (isFunction(handler)) {
      resolvedHandlers.set(taskName, {handler});
    } else if (isFunction((handler as Partial<ProcessorBatchHandling<Instruction>> | null)?.batch)) {
      const {batch, batchSize = DEFAULT_BATCH_SIZE} = handler as ProcessorBatchHandling<Instruction>;

      resolvedHandlers.set(taskName, {batch, batchSize: validateInteger(`handlers.${taskName}.batchSize`, batchSize)});
    } else {
      throw new InvalidProcessorConfigurationError('handlers', `Expected the handler of task \`${taskName}\` to be a function or \`{batch}\` with a function, got \`${describeValue(handler)}\`.`);
    }
  }

  if (!isFunction(planton?.trigger) || !isFunction(planton.events?.on) || !isFunction(planton.events.off)) {
    throw new InvalidProcessorConfigurationError('planton', `Expected \`planton\` to be a Planton (events and trigger), got \`${describeValue(planton)}\`.`);
  }

  for (const method of ['completeExecution', 'failExecution'] as const) {
    if (!isFunction(store?.[method])) {
      throw new InvalidProcessorConfigurationError('store', `Expected \`store\` to have a \`${method}\` function, got \`${describeValue(store)}\`.`);
    }
  }

  for (const method of ['completeExecutions', 'failExecutions', 'getClaimedExecutionId'] as const) {
    if (store[method] !== undefined && !isFunction(store[method])) {
      throw new InvalidProcessorConfigurationError('store', `Expected \`store.${method}\`, if any, to be a function, got \`${describeValue(store[method])}\`.`);
    }
  }

  if (typeof stopTimeout !== 'number' || Number.isNaN(stopTimeout) || stopTimeout < 0) {
    throw new InvalidProcessorConfigurationError('stopTimeout', `Expected \`stopTimeout\` to be a number >= 0, got \`${describeValue(stopTimeout)}\`.`);
  }

  return {
    completionBatchSize: validateInteger('completionBatchSize', completionBatchSize),
    completionConcurrency: validateInteger('completionConcurrency', completionConcurrency),
    concurrency: validateInteger('concurrency', concurrency, {allowInfinity: true}),
    handlers: resolvedHandlers,
    planton,
    stopTimeout,
    store,
  };
};

/**
 * Runs work in process on a store: for each `task` event of `planton`, the task's handler runs
 * (at most `concurrency` at once, across tasks); a handler that resolves completes the execution, one
 * that throws fails it with its error (serialized by the store). A `{batch}` handler gets the
 * instructions of its task that arrived together, in one call. Outcomes that arrive together are
 * written with one store call each for completions and failures (group commit, no timer), then the
 * task is triggered so the freed slot is claimed again at once. A write that fails is retried with a
 * growing delay and reported on `error` (`PROCESSOR_STORE_ERROR`); nothing is dropped while the
 * processor runs. An instruction of a task without a handler is failed with
 * `PROCESSOR_HANDLER_MISSING` (reported on `error`; its task is not triggered, so a missing handler
 * does not spin). Store-agnostic: any store with `completeExecution` and `failExecution` does.
 */
export const createProcessor = <Instruction extends TaskInstruction = TaskInstruction>(configuration: ProcessorConfiguration<Instruction>): Processor<Instruction> => {
  const {completionBatchSize, completionConcurrency, concurrency, handlers, planton, stopTimeout, store} = validateConfiguration(configuration);
  const clock = configuration.clock ?? createSystemClock();
  /** Aborts when `stop()` has waited `stopTimeout`: handlers' signal, and the end of write retries. */
  const deadline = new AbortController();
  const slots = createSlots(concurrency);
  /** Stop waiting for a running handler (it passed the stop deadline). */
  const abandons = new Set<() => void>();
  /** One per instruction received and not yet recorded. Never rejects. */
  const jobs = new Set<Promise<void>>();
  let completed = 0;
  let failed = 0;
  let stopping: Promise<void> | null = null;

  // Every handler may listen to it: no "possible memory leak" warning past ten.
  setMaxListeners(0, deadline.signal);

  const events = createEmitter<ProcessorEvents<Instruction>>((eventName, _payload, error) => {
    log.error({error: serializeError(error), eventName: String(eventName)}, 'a processor event listener threw');
  });

  const reportError = (error: PlantonError, message: string) => {
    log.error({error: serializeError(error)}, message);
    events.emit('error', {error});
  };

  const writer = createOutcomeWriter<Instruction>({
    batchSize: completionBatchSize,
    clock,
    concurrency: completionConcurrency,
    deadline: deadline.signal,
    onError: (error) => {
      reportError(error, 'a processor store write failed');
    },
    store,
  });

  const trigger = (taskName: string) => {
    try {
      planton.trigger(taskName);
    } catch (error) {
      // The task was removed meanwhile (UNKNOWN_TASK): nothing to wake.
      log.debug({error: serializeError(error), taskName}, 'could not trigger the task');
    }
  };

  /** Ends the execution FAILED with `PROCESSOR_STOPPED`, so the instruction is scheduled again. */
  const release = async (processed: ProcessedInstruction<Instruction>, reference: ExecutionReference<Instruction>, reason: string) => {
    const error = new ProcessorStoppedError(processed.taskName, processed.instruction, reason);

    log.warn({executionId: processed.executionId, instruction: processed.instruction, taskName: processed.taskName}, `released an execution: ${reason}`);
    await writer.write({failure: {error}, reference});

    return error;
  };

  /** Runs `call` to its end, or until the stop deadline passes (then its outcome is no longer awaited). */
  const settle = async (call: () => unknown) => {
    return await new Promise<Settlement>((resolve) => {
      const abandon = () => {
        resolve('ABANDONED');
      };

      abandons.add(abandon);
      // The async wrapper turns a synchronous throw into a rejection.
      void (async () => await call())()
        .then((value) => {
          resolve({value});
        }, (error: unknown) => {
          resolve({error});
        })
        .finally(() => {
          abandons.delete(abandon);
        });
    });
  };

  /** One function per task that runs an instruction through its handler: one by one, or in the batch it arrives with. */
  const runners = new Map([...handlers].map(([taskName, resolved]): [string, (processed: ProcessedInstruction<Instruction>) => Promise<HandlerOutcome>] => {
    if ('handler' in resolved) {
      return [taskName, async ({executionId, instruction}) => {
        const settlement = await settle(() => resolved.handler(instruction, {executionId, signal: deadline.signal, taskName}));

        return settlement === 'ABANDONED' || 'error' in settlement ? settlement : null;
      }];
    }

    const batcher = createBatcher<ProcessedInstruction<Instruction>, HandlerOutcome>({
      maxBatchSize: resolved.batchSize,
      maxInFlight: Number.POSITIVE_INFINITY,
      run: async (batch) => {
        const settlement = await settle(() => resolved.batch(batch.map(({instruction}) => instruction), {signal: deadline.signal, taskName}));

        if (settlement === 'ABANDONED' || 'error' in settlement) {
          return batch.map(() => settlement);
        }

        const failures = settlement.value instanceof Map ? settlement.value as ReadonlyMap<Instruction, unknown> : new Map<Instruction, unknown>();

        return batch.map(({instruction}) => failures.has(instruction) ? {error: failures.get(instruction)} : null);
      },
    });

    return [taskName, batcher.add];
  }));

  const handleInstruction = async (processed: ProcessedInstruction<Instruction>, reference: ExecutionReference<Instruction>) => {
    const {instruction, taskName} = processed;
    const run = runners.get(taskName);

    if (run === undefined) {
      const error = new ProcessorHandlerMissingError(taskName, instruction);

      reportError(error, 'no handler for the task; failing the execution');
      await writer.write({failure: {error}, reference});

      return;
    }

    if (!await slots.acquire()) {
      await release(processed, reference, 'the processor stopped before a slot was free');

      return;
    }

    let outcome: HandlerOutcome;

    try {
      outcome = await run(processed);
    } finally {
      slots.release();
    }

    if (outcome === 'ABANDONED') {
      await release(processed, reference, 'its handler was still running when the processor\'s stop timed out');

      return;
    }

    if (await writer.write({failure: outcome, reference}) === 'ABANDONED') {
      return;
    }

    if (outcome === null) {
      completed++;
      events.emit('completed', processed);
    } else {
      failed++;
      events.emit('failed', {...processed, error: outcome.error});
    }

    trigger(taskName);
  };

  const onTask = ({instruction, taskName}: TaskEvent<Instruction>) => {
    const executionId = store.getClaimedExecutionId?.({instruction, taskName}) ?? null;
    const processed: ProcessedInstruction<Instruction> = {executionId, instruction, taskName};
    const reference: ExecutionReference<Instruction> = executionId === null ? {instruction, taskName} : {executionId};
    const handled = stopping === null ?
      handleInstruction(processed, reference) :
      release(processed, reference, 'it arrived after stop() (terminate the Planton before stopping its processor)').then((error) => {
        reportError(error, 'an instruction arrived after stop(); released it');
      });
    const job: Promise<void> = handled
      .catch((error: unknown) => {
        // Not expected: handlers and store calls are caught above.
        log.error({error: serializeError(error), instruction, taskName}, 'processing an instruction failed unexpectedly');
      })
      .finally(() => {
        jobs.delete(job);
      });

    jobs.add(job);
  };

  /** The stop timed out: abort handlers' signal, stop waiting for them and for slots, end write retries. */
  const passDeadline = () => {
    deadline.abort();
    slots.abandonWaiting();

    for (const abandon of [...abandons]) {
      abandon();
    }
  };

  planton.events.on('task', onTask);

  return {
    events,
    getStats: () => {
      return {completed, failed, inFlight: jobs.size};
    },
    stop: async () => {
      stopping ??= (async () => {
        const timer = new AbortController();

        if (stopTimeout !== Number.POSITIVE_INFINITY) {
          void clock.sleep(stopTimeout, timer.signal).then(() => {
            if (!timer.signal.aborted) {
              passDeadline();
            }
          });
        }

        while (jobs.size > 0) {
          await Promise.all(jobs);
        }

        timer.abort();
        planton.events.off('task', onTask);
      })();

      await stopping;
    },
  };
};
