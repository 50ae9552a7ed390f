import {randomUUID} from 'node:crypto';
import {hostname as getHostname} from 'node:os';
import {createEmitter} from '../planton/createEmitter.ts';
import {createErrorReporter} from '../planton/createErrorReporter.ts';
import {createIntervalLoop} from '../planton/createIntervalLoop.ts';
import {createListenerErrorHook} from '../planton/createListenerErrorHook.ts';
import {createSystemClock} from '../planton/createSystemClock.ts';
import {Logger} from '../planton/Logger.ts';
import type {Clock} from '../planton/types.ts';
import {calculateNextRun} from './calculateNextRun.ts';
import {type CompletionListener, createCompletionListeners} from './createCompletionListeners.ts';
import {createDispatcher} from './createDispatcher.ts';
import {
  DuplicateScheduledTaskError,
  InvalidJobStateError,
  InvalidSchedulerConfigurationError,
  SchedulerTerminatedError,
  UnknownJobError,
  UnknownScheduledTaskError,
} from './errors.ts';
import {createSchedulerAdmin, type SchedulerAdmin} from './createSchedulerAdmin.ts';
import {createTaskRegistration} from './createTaskRegistration.ts';
import {parseDateInput} from './parseDateInput.ts';
import {parseRetryPolicy} from './parseRetryPolicy.ts';
import {fromStoredRetryPolicy} from './toStoredRetryPolicy.ts';
import {validateSchedulerConfiguration} from './validateSchedulerConfiguration.ts';
import type {Processor} from './processorTypes.ts';
import type {JobLogEntry, JobRecord, TaskRecord} from './recordTypes.ts';
import type {ScheduleOptions, ScheduleTaskConfiguration, SchedulerEvents, TaskInfo} from './schedulerApiTypes.ts';
import type {RetryPolicy} from './scheduleTypes.ts';
import type {SchedulerStore} from './storeTypes.ts';
import type {Emitter} from '../planton/types.ts';
import {describeCause} from '../planton/describeCause.ts';
import {isStorableTaskName} from './isStorableTaskName.ts';

const log = Logger.child({
  namespace: 'createScheduler',
});

export type SchedulerConfiguration = {
  /**
   * Where time comes from: slots, timeouts, retries and waits.
   * @default the system clock
   */
  readonly clock?: Clock;
  /**
   * Names this instance in `job.worker` (followed by the process id and a random suffix).
   * @default os.hostname()
   */
  readonly hostname?: string;
  /**
   * How long (milliseconds) past a job's timeout another instance waits before it takes a RUNNING job
   * for lost (its instance died) and fails it with `job_timed_out`.
   * @default 5000
   */
  readonly leaseGrace?: number;
  /**
   * Under misfire `'skip'`, how late (milliseconds) a slot may be and still run.
   * @default 60000
   */
  readonly misfireThreshold?: number;
  /**
   * How long (milliseconds) a due job may wait for an instance that has its processor before an
   * instance without one counts a miss and postpones it by the next of `noProcessorRetryDelays`.
   * @default 1000
   */
  readonly noProcessorGrace?: number;
  /**
   * When a due job has no processor in any instance: the delays (milliseconds) of the retries before it
   * fails with `NO_PROCESSOR`.
   * @default [1000, 10000, 30000]
   */
  readonly noProcessorRetryDelays?: readonly number[];
  /**
   * Longest wait (milliseconds) between two rounds of the dispatcher, so changes made by other
   * instances (a job rescheduled, a retry due) are seen; rounds otherwise wake just before the next
   * slot or job (slots get their jobs up to 3 s ahead, due jobs are claimed 400 ms ahead and
   * started from a local timer at their time).
   * @default 5000
   */
  readonly pollInterval?: number;
  /**
   * Drives retry jitter; returns a number in [0, 1).
   * @default Math.random
   */
  readonly random?: () => number;
  /** Where tasks, jobs and logs live: `createMemorySchedulerStore()`, `await createPostgresSchedulerStore({pool})` or `await createMysqlSchedulerStore({pool})`. */
  readonly store: SchedulerStore;
  /**
   * How often (milliseconds) the list of tasks is read again from the store, to pick up tasks other
   * instances scheduled or unscheduled; `0` disables it.
   * @default 5000
   */
  readonly syncInterval?: number;
  /**
   * How long `terminate()` waits for a claim in flight and for running jobs to end (milliseconds);
   * then it gives the claim up (the store rolls it back) and aborts the jobs' signals.
   * @default 5000
   */
  readonly terminateTimeout?: number;
};

export type Scheduler = SchedulerAdmin & {
  /** Registers the handler of a task's jobs in this instance (see `Processor`: returning completes the job unless it takes `done`). Throws `UNKNOWN_TASK` for a task the store does not hold, `DUPLICATE_TASK_NAME` for a second one. */
  readonly addProcessor: (taskName: string, processor: Processor) => void;
  /** SCHEDULED or WAITING → CANCELED. Throws `UNKNOWN_JOB` or `INVALID_JOB_STATE`. */
  readonly cancel: (jobId: number) => Promise<JobRecord>;
  readonly events: Emitter<SchedulerEvents>;
  readonly getJob: (jobId: number) => Promise<JobRecord | null>;
  /** The job's log lines and progress, oldest first. */
  readonly getJobLogs: (jobId: number) => Promise<readonly JobLogEntry[]>;
  readonly getTask: (name: string) => Promise<TaskInfo | null>;
  readonly listTasks: () => Promise<readonly TaskInfo[]>;
  /**
   * forerunner's `onComplete`: calls `listener(jobId, result)` when a job of `taskName` ends DONE in this
   * instance (run here by a processor or by a remote worker it gave the job to), with the result as
   * stored with the job (`job.result`). A listener that throws or rejects is reported as an `error`
   * event (`COMPLETION_LISTENER_FAILED`); the job stays DONE. Returns a function that removes the listener.
   */
  readonly onComplete: (taskName: string, listener: CompletionListener) => () => void;
  readonly removeProcessor: (taskName: string) => void;
  /** Moves a job that is not RUNNING or DONE to `date` (as SCHEDULED). Throws `UNKNOWN_JOB` or `INVALID_JOB_STATE`. */
  readonly reschedule: (jobId: number, date: Date | number | string) => Promise<JobRecord>;
  /**
   * Stores the task (validated eagerly: invalid input throws before anything is stored) and creates its next job.
   * A name scheduled before in this instance throws `DUPLICATE_TASK_NAME`, unless `{replace: true}`: then the
   * task is saved again as a task stored by another instance is (an unchanged schedule keeps its pending jobs).
   */
  readonly schedule: (configuration: ScheduleTaskConfiguration, options?: ScheduleOptions) => Promise<TaskInfo>;
  /** Stops every loop, waits up to `terminateTimeout` for a claim in flight and for running jobs, gives back claimed jobs that did not start; the store stays open. Safe to call twice. */
  readonly terminate: () => Promise<void>;
  /** Runs a round of the dispatcher now (materialise due slots, claim due jobs), for every task. Throws `UNKNOWN_TASK` for a task this instance does not serve. */
  readonly trigger: (taskName: string) => void;
  /** Removes the task from the store; its jobs that never started go. `false` when there was no such task. */
  readonly unschedule: (name: string) => Promise<boolean>;
};

/**
 * The cron/processor layer: tasks on a schedule, stored so that they survive restarts and every
 * instance on the same store shares them, and processors that run their jobs. Built on createPlanton:
 * one Planton task (the dispatcher, see `createDispatcher`) serves every scheduled task of the
 * instance; its `schedule` creates the jobs of due and upcoming slots (exactly one per slot, whatever
 * the number of instances) and claims due jobs of all tasks in one statement, its `calculateDelay`
 * sleeps until the next slot or job, and its `task` events start processors at their jobs' time.
 */
export const createScheduler = async (configuration: SchedulerConfiguration): Promise<Scheduler> => {
  const options = validateSchedulerConfiguration(configuration);
  const {store} = configuration;
  const clock = configuration.clock ?? createSystemClock();
  const random = configuration.random ?? Math.random;
  const worker = `${configuration.hostname ?? getHostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const tasks = new Map<string, TaskRecord>();
  const processors = new Map<string, Processor>();
  /** Retry policies given to `schedule()` here: they may hold a backoff function, which the store cannot. */
  const localRetryPolicies = new Map<string, RetryPolicy>();
  /** Names `schedule()` was called with in this instance (a second call is a duplicate). */
  const scheduledHere = new Set<string>();
  let terminating: Promise<void> | null = null;

  const events = createEmitter<SchedulerEvents>(createListenerErrorHook(log));
  const report = createErrorReporter<SchedulerEvents>({events, log});
  const completions = createCompletionListeners({
    report: (error) => {
      report({error, taskName: error.taskName}, 'an onComplete listener failed');
    },
  });

  events.on('succeeded', ({job}) => {
    completions.notify(job);
  });

  /** Logs and announces a background failure; the scheduler goes on. */
  const reportError = (error: unknown, taskName: string | null) => {
    report({error: error instanceof Error ? error : new Error(describeCause(error)), taskName}, 'scheduler operation failed');
  };

  const getRetryPolicy = (taskName: string): RetryPolicy => {
    const local = localRetryPolicies.get(taskName);
    const task = tasks.get(taskName);

    if (local !== undefined) {
      return local;
    }

    return task === undefined ? parseRetryPolicy({schedule: {every: 1, kind: 'INTERVAL'}}) : fromStoredRetryPolicy(task.retry, task.schedule);
  };

  const dispatcher = createDispatcher({
    clock,
    emit: events.emit,
    getRetryPolicy,
    leaseGrace: options.leaseGrace,
    misfireThreshold: options.misfireThreshold,
    noProcessorGrace: options.noProcessorGrace,
    noProcessorRetryDelays: options.noProcessorRetryDelays,
    pollInterval: options.pollInterval,
    processors,
    random,
    reportError,
    store,
    tasks,
    terminateTimeout: options.terminateTimeout,
    worker,
  });

  const addLocal = (record: TaskRecord) => {
    const known = tasks.has(record.name);

    tasks.set(record.name, record);

    if (!known) {
      // Slots may have fallen due while no instance ran.
      dispatcher.request({claim: true, materialize: true});
    }
  };

  const removeLocal = (name: string) => {
    tasks.delete(name);
  };

  const sync = async () => {
    const records = await store.listTasks();
    const names = new Set(records.map((record) => record.name));

    for (const record of records) {
      addLocal(record);
    }

    for (const name of tasks.keys()) {
      if (!names.has(name) && !scheduledHere.has(name)) {
        removeLocal(name);
      }
    }
  };

  try {
    await sync();
  } catch (error) {
    // Nobody will hold this scheduler: its dispatcher (and the Planton keeping the process alive) stops here.
    await dispatcher.terminate();

    throw error;
  }

  const syncLoop = options.syncInterval > 0 ?
    createIntervalLoop({
      clock,
      interval: options.syncInterval,
      run: async () => {
        await sync().catch((error: unknown) => {
          reportError(error, null);
        });
      },
    }) :
    null;

  const toTaskInfo = async (record: TaskRecord): Promise<TaskInfo> => {
    return {
      ...await store.getTaskJobSummaries(record.name),
      concurrency: record.concurrency,
      misfire: record.misfire,
      name: record.name,
      // From the schedule, not from `record.nextRunAt`: slots get their jobs ahead of time, so the
      // stored one runs up to a few seconds ahead of the next slot.
      nextRunAt: calculateNextRun({after: new Date(clock.now()), schedule: record.schedule}),
      paused: record.paused,
      payload: record.payload,
      schedule: record.schedule,
      timeout: record.timeout,
    };
  };

  const assertRunning = (operation: string) => {
    if (terminating !== null) {
      throw new SchedulerTerminatedError(operation);
    }
  };

  const addProcessor = (taskName: string, processor: Processor) => {
    assertRunning('add a processor');

    if (typeof processor !== 'function') {
      throw new InvalidSchedulerConfigurationError('processor', 'a function', processor);
    }

    if (!tasks.has(taskName)) {
      throw new UnknownScheduledTaskError(taskName, '; schedule it before adding its processor');
    }

    if (processors.has(taskName)) {
      throw new DuplicateScheduledTaskError(taskName, 'processor');
    }

    processors.set(taskName, processor);
    dispatcher.request({claim: true});
  };

  /** Turns a failed fenced update into the error that says why. */
  const explainJob = async (jobId: number, operation: string, allowed: string): Promise<never> => {
    const job = await store.getJob(jobId);

    throw job === null ? new UnknownJobError(jobId) : new InvalidJobStateError(jobId, operation, job.state, allowed);
  };

  const triggerIfKnown = (taskName: string) => {
    if (terminating === null && tasks.has(taskName)) {
      dispatcher.request({claim: true});
    }
  };

  const admin = createSchedulerAdmin({clock, request: dispatcher.request, store, tasks, toTaskInfo});
  const registration = createTaskRegistration({assertRunning, clock, dispatcher, localRetryPolicies, removeLocal, scheduledHere, store, tasks, toTaskInfo});

  return {
    ...admin,
    ...registration,
    addProcessor,
    cancel: async (jobId) => {
      const job = await store.cancelJob({id: jobId, now: clock.now()}) ?? await explainJob(jobId, 'cancel', 'SCHEDULED or WAITING');

      triggerIfKnown(job.taskName);

      return job;
    },
    events,
    getJob: async (jobId) => await store.getJob(jobId),
    getJobLogs: async (jobId) => await store.getJobLogs(jobId),
    getTask: async (name) => {
      // A name schedule() refuses names no task (and the PostgreSQL store could not even be asked).
      if (!isStorableTaskName(name)) {
        return null;
      }

      const record = await store.getTask(name);

      return record === null ? null : await toTaskInfo(record);
    },
    listTasks: async () => await Promise.all((await store.listTasks()).map(toTaskInfo)),
    onComplete: completions.add,
    removeProcessor: (taskName) => {
      processors.delete(taskName);
    },
    reschedule: async (jobId, date) => {
      const runAt = parseDateInput(date, 'date');
      const job = await store.rescheduleJob({id: jobId, now: clock.now(), runAt}) ?? await explainJob(jobId, 'reschedule', 'SCHEDULED, WAITING, ERROR or CANCELED');

      triggerIfKnown(job.taskName);

      return job;
    },
    terminate: () => {
      terminating ??= (async () => {
        // A sync in flight ends too (its store call is bounded as a round's is), so none runs after terminate.
        await Promise.all([syncLoop?.stop(), dispatcher.terminate()]);
      })();

      return terminating;
    },
    trigger: (taskName) => {
      if (!tasks.has(taskName)) {
        throw new UnknownScheduledTaskError(taskName);
      }

      dispatcher.request({claim: true, materialize: true});
    },
  };
};
