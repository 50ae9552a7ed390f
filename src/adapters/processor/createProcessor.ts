import {setMaxListeners} from 'node:events';
import {serializeError} from 'serialize-error';
import {createBatcher} from '../../planton/createBatcher.ts';
import {createEmitter} from '../../planton/createEmitter.ts';
import {createErrorReporter} from '../../planton/createErrorReporter.ts';
import {createListenerErrorHook} from '../../planton/createListenerErrorHook.ts';
import {createSystemClock} from '../../planton/createSystemClock.ts';
import {describeValue} from '../../planton/describeValue.ts';
import {Logger} from '../../planton/Logger.ts';
import type {TaskEvent, TaskInstruction} from '../../planton/types.ts';
import {InvalidProcessorConfigurationError, ProcessorHandlerMissingError, ProcessorOutcomesAbandonedError, ProcessorStoppedError} from '../errors.ts';
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
/** How long `stop()` waits, after `stopTimeout`, for the outcomes being written (releases included) before it gives them up. */
const STOP_WRITE_GRACE = 5_000;
const DEFAULT_BATCH_SIZE = 100;

/** What a batch handler's call came to for one instruction: completed (`null`) or failed. */
type BatchOutcome = {readonly error: unknown} | null;

/** An instruction being processed. `abandoned` once the stop deadline released it: its outcome is then dropped. */
type Job<Instruction extends TaskInstruction> = {
  abandoned: boolean;
  /** What to record once the handler is done (the job is its own outcome: one object less per instruction). */
  failure: BatchOutcome;
  readonly processed: ProcessedInstruction<Instruction>;
  readonly reference: ExecutionReference<Instruction>;
};

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
 * task is triggered so the freed slots are claimed again at once (unless its last round had free
 * slots and found no work: it waits for work, not for slots). A write that fails is retried with a
 * growing delay and reported on `error` (`PROCESSOR_STORE_ERROR`); nothing is dropped while the
 * processor runs, and a write that keeps failing is split so that one outcome the store refuses
 * holds back no others. An instruction of a task without a handler is failed with
 * `PROCESSOR_HANDLER_MISSING` (reported on `error`; its task is not triggered, so a missing handler
 * does not spin). Store-agnostic: any store with `completeExecution` and `failExecution` does.
 */
export const createProcessor = <Instruction extends TaskInstruction = TaskInstruction>(configuration: ProcessorConfiguration<Instruction>): Processor<Instruction> => {
  const {completionBatchSize, completionConcurrency, concurrency, handlers, planton, stopTimeout, store} = validateConfiguration(configuration);
  const clock = configuration.clock ?? createSystemClock();
  /** Aborts when `stop()` has waited `stopTimeout`: handlers' signal, and the end of write retries. */
  const deadline = new AbortController();
  const slots = createSlots(concurrency);
  /** Jobs whose handler runs now: released at the stop deadline. */
  const running = new Set<Job<Instruction>>();
  /** Instructions received and not yet recorded (or released). */
  let inFlight = 0;
  /** Set while `stop()` waits for `inFlight` to reach 0. */
  let onIdle: (() => void) | null = null;
  let completed = 0;
  let failed = 0;
  let stopping: Promise<void> | null = null;

  // Every handler may listen to it: no "possible memory leak" warning past ten.
  setMaxListeners(0, deadline.signal);

  const events = createEmitter<ProcessorEvents<Instruction>>(createListenerErrorHook(log));
  const reportError = createErrorReporter<ProcessorEvents<Instruction>>({events, log});

  const writer = createOutcomeWriter<Instruction>({
    batchSize: completionBatchSize,
    clock,
    concurrency: completionConcurrency,
    deadline: deadline.signal,
    onError: (error) => {
      reportError({error}, 'a processor store write failed');
    },
    store,
  });

  /** Tasks to trigger once the outcomes written together have all been handled (one trigger per task, one getStats). */
  const toTrigger = new Set<string>();

  /** Triggers each task in `toTrigger` once. Runs in a microtask: never throws. */
  const triggerTasks = () => {
    const taskNames = [...toTrigger];
    let stats: ReturnType<NonNullable<typeof planton.getStats>> | undefined;

    toTrigger.clear();

    try {
      stats = planton.getStats?.();
    } catch (error) {
      log.debug({error: serializeError(error)}, 'getStats failed; triggering every task');
    }

    for (const taskName of taskNames) {
      try {
        // A task whose last round had free slots and found nothing waits for new work, not for slots: no round for it.
        if ((stats?.[taskName]?.attemptNumber ?? 0) === 0) {
          planton.trigger(taskName);
        }
      } catch (error) {
        // The task was removed meanwhile (UNKNOWN_TASK): nothing to wake.
        log.debug({error: serializeError(error), taskName}, 'could not trigger the task');
      }
    }
  };

  const trigger = (taskName: string) => {
    if (toTrigger.size === 0) {
      queueMicrotask(triggerTasks);
    }

    toTrigger.add(taskName);
  };

  const finish = () => {
    inFlight--;

    if (inFlight === 0) {
      onIdle?.();
    }
  };

  /** Ends the execution FAILED with `PROCESSOR_STOPPED`, so the instruction is scheduled again. */
  const release = async ({processed, reference}: Job<Instruction>, reason: string) => {
    const error = new ProcessorStoppedError(processed.taskName, processed.instruction, reason);

    log.warn({executionId: processed.executionId, instruction: processed.instruction, taskName: processed.taskName}, `released an execution: ${reason}`);
    await writer.write({failure: {error}, reference});

    return error;
  };

  /** Per task: its handler, or the batcher that hands the instructions arriving together to its batch handler. */
  type Runner = {readonly handler: ProcessorHandler<Instruction>} | {readonly add: (instruction: Instruction) => Promise<BatchOutcome>};

  const runners = new Map([...handlers].map(([taskName, resolved]): [string, Runner] => {
    if ('handler' in resolved) {
      return [taskName, resolved];
    }

    const batcher = createBatcher<Instruction, BatchOutcome>({
      maxBatchSize: resolved.batchSize,
      maxInFlight: Number.POSITIVE_INFINITY,
      run: async (instructions) => {
        let failures: unknown;

        try {
          failures = await resolved.batch(instructions, {signal: deadline.signal, taskName});
        } catch (error) {
          return instructions.map(() => ({error}));
        }

        return instructions.map((instruction) => failures instanceof Map && failures.has(instruction) ? {error: failures.get(instruction)} : null);
      },
    });

    return [taskName, {add: batcher.add}];
  }));

  /** Runs the job's handler and records its outcome. Never rejects. */
  const handleInstruction = async (job: Job<Instruction>) => {
    const {processed, reference} = job;
    const {executionId, instruction, taskName} = processed;

    try {
      const runner = runners.get(taskName);

      if (runner === undefined) {
        const error = new ProcessorHandlerMissingError(taskName, instruction);

        reportError({error}, 'no handler for the task; failing the execution');
        await writer.write({failure: {error}, reference});

        return;
      }

      const acquired = slots.acquire();

      if (acquired !== true && !await acquired) {
        await release(job, 'the processor stopped before a slot was free');

        return;
      }

      // The slot came as the stop deadline passed (one clock step can wake both): do not start a handler whose signal is aborted.
      if (deadline.signal.aborted) {
        slots.release();
        await release(job, 'the processor\'s stop timed out as it got a slot');

        return;
      }

      running.add(job);

      try {
        if ('handler' in runner) {
          const result = runner.handler(instruction, {executionId, signal: deadline.signal, taskName});

          // A synchronous handler's result is not awaited: no promise and no turn spent on it.
          if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
            await result;
          }
        } else {
          job.failure = await runner.add(instruction);
        }
      } catch (error) {
        job.failure = {error};
      } finally {
        slots.release();
        running.delete(job);
      }

      const {failure} = job;

      if (job.abandoned || await writer.write(job) === 'ABANDONED') {
        return;
      }

      if (failure === null) {
        completed++;
        events.emit('completed', processed);
      } else {
        failed++;
        events.emit('failed', {...processed, error: failure.error});
      }

      trigger(taskName);
    } catch (error) {
      // Not expected: handlers and store writes are caught above.
      log.error({error: serializeError(error), instruction, taskName}, 'processing an instruction failed unexpectedly');
    } finally {
      // An abandoned job was counted out when it was released.
      if (!job.abandoned) {
        finish();
      }
    }
  };

  const onTask = ({instruction, taskName}: TaskEvent<Instruction>) => {
    const executionId = store.getClaimedExecutionId?.({instruction, taskName}) ?? null;
    const processed: ProcessedInstruction<Instruction> = {executionId, instruction, taskName};
    const job: Job<Instruction> = {
      abandoned: false,
      failure: null,
      processed,
      // With an id, `processed` is a reference by id already: one object less per instruction.
      reference: executionId === null ? {instruction, taskName} : processed as {readonly executionId: number},
    };

    inFlight++;

    if (stopping === null) {
      void handleInstruction(job);

      return;
    }

    void release(job, 'it arrived after stop() (terminate the Planton before stopping its processor)').then((error) => {
      reportError({error}, 'an instruction arrived after stop(); released it');
    }).finally(finish);
  };

  /** The stop timed out: abort handlers' signal, stop waiting for slots, release the jobs still running, end write retries. */
  const passDeadline = () => {
    deadline.abort();
    slots.abandonWaiting();

    for (const job of running) {
      job.abandoned = true;
      void release(job, 'its handler was still running when the processor\'s stop timed out').finally(finish);
    }

    running.clear();
  };

  /** `true` once nothing is in flight, `false` when `milliseconds` passed first (never, for Infinity). */
  const waitForIdle = async (milliseconds: number): Promise<boolean> => {
    if (inFlight === 0) {
      return true;
    }

    const timer = new AbortController();
    const idle = new Promise<boolean>((resolve) => {
      onIdle = () => {
        resolve(true);
      };
    });

    try {
      return await Promise.race(milliseconds === Number.POSITIVE_INFINITY ? [idle] : [idle, clock.sleep(milliseconds, timer.signal).then(() => false)]);
    } finally {
      onIdle = null;
      timer.abort();
    }
  };

  planton.events.on('task', onTask);

  return {
    events,
    getStats: () => {
      return {completed, failed, inFlight};
    },
    stop: async () => {
      stopping ??= (async () => {
        if (!await waitForIdle(stopTimeout)) {
          passDeadline();

          // A store call that never settles must not hold stop() forever.
          if (!await waitForIdle(STOP_WRITE_GRACE)) {
            reportError({error: new ProcessorOutcomesAbandonedError(inFlight)}, 'stop() gave up waiting for outcomes being written');
          }
        }

        planton.events.off('task', onTask);
      })();

      await stopping;
    },
  };
};
