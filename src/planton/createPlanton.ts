import PQueue from 'p-queue';
import {createEmitter} from './createEmitter.ts';
import {createErrorReporter} from './createErrorReporter.ts';
import {createListenerErrorHook} from './createListenerErrorHook.ts';
import {createSystemClock} from './createSystemClock.ts';
import {createTaskLoop, type RunInSlot, type TaskLoop} from './createTaskLoop.ts';
import {createTimerQueue} from './createTimerQueue.ts';
import {
  DuplicateTaskNameError,
  InvalidConfigurationError,
  PlantonTerminatedError,
  TaskListenerError,
  UnknownTaskError,
} from './errors.ts';
import {Logger} from './Logger.ts';
import type {
  Planton,
  PlantonConfiguration,
  PlantonEvents,
  TaskConfiguration,
  TaskEvent,
  TaskInstruction,
} from './types.ts';
import {validateTaskConfiguration} from './validateTaskConfiguration.ts';
import {describeValue} from './describeValue.ts';

const log = Logger.child({
  namespace: 'createPlanton',
});

const DEFAULT_TERMINATE_TIMEOUT = 5_000;

/** The longest interval a timer takes (about 24.8 days): the keep-alive handle never does any work. */
const KEEP_ALIVE_INTERVAL = 2_147_483_647;

const validateEngineConfiguration = <Instruction extends TaskInstruction>(configuration: PlantonConfiguration<Instruction>) => {
  if (typeof configuration !== 'object' || configuration === null) {
    throw new InvalidConfigurationError('configuration', `Expected a configuration object, got \`${String(configuration)}\`.`);
  }

  if (typeof configuration.getActiveTaskInstructions !== 'function') {
    throw new InvalidConfigurationError('getActiveTaskInstructions', `Expected \`getActiveTaskInstructions\` to be a function, got \`${typeof configuration.getActiveTaskInstructions}\`.`);
  }

  if (!Array.isArray(configuration.tasks)) {
    throw new InvalidConfigurationError('tasks', `Expected \`tasks\` to be an array, got \`${typeof configuration.tasks}\`.`);
  }

  const {keepAlive = true, maxConcurrentCalls = Number.POSITIVE_INFINITY, terminateTimeout = DEFAULT_TERMINATE_TIMEOUT} = configuration;

  if (typeof keepAlive !== 'boolean') {
    throw new InvalidConfigurationError('keepAlive', `Expected \`keepAlive\` to be a boolean, got \`${describeValue(keepAlive)}\`.`);
  }

  if (maxConcurrentCalls !== Number.POSITIVE_INFINITY && !(Number.isInteger(maxConcurrentCalls) && maxConcurrentCalls >= 1)) {
    throw new InvalidConfigurationError('maxConcurrentCalls', `Expected \`maxConcurrentCalls\` to be an integer >= 1 or Infinity, got \`${describeValue(maxConcurrentCalls)}\`.`);
  }

  if (!Number.isFinite(terminateTimeout) || terminateTimeout < 0) {
    throw new InvalidConfigurationError('terminateTimeout', `Expected \`terminateTimeout\` to be a finite number >= 0, got \`${describeValue(terminateTimeout)}\`.`);
  }

  return {keepAlive, maxConcurrentCalls, terminateTimeout};
};

/**
 * Creates the engine: one independent loop per task that waits its delay, asks which instructions
 * are active, calls `schedule` with the limit, validates the result and emits one `task` event per
 * instruction. Drop-in compatible with planton@3's documented configuration.
 *
 * The instruction type is given explicitly (`createPlanton<number>(…)`) and never inferred, so a
 * `getActiveTaskInstructions: () => []` does not narrow it to `never`.
 */
export const createPlanton = <Instruction extends TaskInstruction = TaskInstruction>(configuration: PlantonConfiguration<NoInfer<Instruction>>): Planton<Instruction> => {
  const {keepAlive, maxConcurrentCalls, terminateTimeout} = validateEngineConfiguration(configuration);
  const clock = configuration.clock ?? createSystemClock();
  /**
   * Kept armed when empty: a trigger takes the loop it wakes out of the queue, and disarming there
   * (aborting the clock's sleep) cost a tenth of a millisecond of every wake-up's latency. The sleep
   * left armed fires once for nothing (unref()ed on the system clock); terminate disarms it.
   */
  const timers = createTimerQueue(clock, {keepArmedWhenEmpty: true});
  const queue = maxConcurrentCalls === Number.POSITIVE_INFINITY ? null : new PQueue({concurrency: maxConcurrentCalls});
  const runInSlot: RunInSlot | null = queue ?
    (start) => {
      void queue.add(async () => {
        await new Promise<void>((release) => {
          start(release);
        });
      });
    } :
    null;

  const loops = new Map<string, TaskLoop>();
  let terminating: Promise<void> | null = null;

  const logListenerError = createListenerErrorHook(log);
  // A `task` listener that threw is the task's error (an `error` event); any other is only logged.
  const events = createEmitter<PlantonEvents<Instruction>>((eventName, payload, error) => {
    if (eventName === 'task') {
      const {instruction, taskName} = payload as TaskEvent<Instruction>;

      // eslint-disable-next-line @typescript-eslint/no-use-before-define -- called on emit, once both exist
      reportError({error: new TaskListenerError(taskName, instruction, error), taskName}, 'a task listener threw');
    } else {
      logListenerError(eventName, payload, error);
    }
  });
  const reportError = createErrorReporter<PlantonEvents<Instruction>>({events, log});

  const emitTask = (taskName: string, instruction: Instruction) => {
    events.emit('task', {instruction, taskName});
  };

  const startTask = (task: TaskConfiguration<Instruction>) => {
    const resolved = validateTaskConfiguration(task);

    loops.set(resolved.name, createTaskLoop({
      clock,
      emitTask,
      getActiveTaskInstructions: configuration.getActiveTaskInstructions,
      reportError,
      runInSlot,
      task: resolved,
      terminateTimeout,
      timers,
    }));

    log.debug({taskName: resolved.name}, 'started task');
  };

  // Validate every task before the first loop starts, so a bad task leaves nothing running.
  const names = new Set<string>();

  for (const task of configuration.tasks) {
    const {name} = validateTaskConfiguration(task);

    if (names.has(name)) {
      throw new DuplicateTaskNameError(name);
    }

    names.add(name);
  }

  for (const task of configuration.tasks) {
    startTask(task);
  }

  const getLoop = (taskName: string): TaskLoop => {
    const loop = loops.get(taskName);

    if (!loop) {
      throw new UnknownTaskError(taskName);
    }

    return loop;
  };

  // The one ref()ed handle: it holds the process until terminate() (see `keepAlive`). Made last,
  // once nothing above can throw, so a refused configuration leaves no handle behind.
  let keepAliveHandle: NodeJS.Timeout | null = keepAlive ? setInterval(() => undefined, KEEP_ALIVE_INTERVAL) : null;

  return {
    addTask: (task) => {
      if (terminating) {
        throw new PlantonTerminatedError('Cannot add a task: Planton is terminated.');
      }

      const {name} = validateTaskConfiguration(task);

      if (loops.has(name)) {
        throw new DuplicateTaskNameError(name);
      }

      startTask(task);
    },
    events,
    getStats: () => {
      return Object.fromEntries([...loops].map(([taskName, loop]) => [taskName, loop.getStats()]));
    },
    removeTask: async (taskName) => {
      const loop = getLoop(taskName);

      loops.delete(taskName);
      await loop.stop();
      timers.disarmIfEmpty();
    },
    terminate: () => {
      if (keepAliveHandle !== null) {
        clearInterval(keepAliveHandle);
        keepAliveHandle = null;
      }

      terminating ??= (async () => {
        await Promise.all([...loops.values()].map(async (loop) => {
          await loop.stop();
        }));
        timers.disarmIfEmpty();
        await queue?.onIdle();
      })();

      return terminating;
    },
    trigger: (taskName) => {
      getLoop(taskName).trigger();
    },
  };
};
