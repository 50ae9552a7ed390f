import type {Clock} from '../planton/types.ts';
import type {Dispatcher} from './createDispatcher.ts';
import {
  InvalidJobStateError,
  InvalidPayloadError,
  InvalidSchedulerArgumentError,
  UnknownJobError,
  UnknownScheduledTaskError,
} from './errors.ts';
import {findNonJsonValue} from './findNonJsonValue.ts';
import {isStorableTaskName} from './isStorableTaskName.ts';
import {encodeJobCursor} from './jobCursor.ts';
import {JOB_STATES} from './jobStates.ts';
import {parseDateInput} from './parseDateInput.ts';
import {parseListJobsQuery} from './parseListJobsQuery.ts';
import {parsePruneJobsOptions} from './parsePruneJobsOptions.ts';
import {parseSummarizeJobsOptions} from './parseSummarizeJobsOptions.ts';
import type {JobRecord, TaskRecord} from './recordTypes.ts';
import type {CountJobsOptions, JobPage, JobStats, ListJobsQuery, PruneJobsOptions, RunTaskOptions, SummarizeJobsOptions, TaskInfo} from './schedulerApiTypes.ts';
import type {JobCounts, SchedulerStore} from './storeTypes.ts';

export type SchedulerAdminConfiguration = {
  readonly clock: Clock;
  /** Wakes this instance's dispatcher (not once it terminates). */
  readonly request: Dispatcher['request'];
  readonly store: SchedulerStore;
  /** The tasks this instance serves: a paused or resumed one is updated here. */
  readonly tasks: Map<string, TaskRecord>;
  readonly toTaskInfo: (record: TaskRecord) => Promise<TaskInfo>;
};

/** The operations a server, a CLI or a dashboard needs beside the scheduler's own: see `Scheduler`. */
export type SchedulerAdmin = {
  /**
   * How many jobs each task has in each state: every stored task (zeros included) and every task name
   * that has jobs, or only `taskName`'s; of `states` alone when given (the other keys left out).
   * Counting the active states (SCHEDULED, WAITING, RUNNING) reads only those jobs; counting the ended
   * ones reads the whole history. Rejects with `INVALID_ARGUMENT`.
   */
  readonly countJobs: (options?: CountJobsOptions) => Promise<JobCounts>;
  /**
   * A page of jobs, newest `scheduledFor` first (then highest id), filtered by task, states and a
   * `scheduledFor` range; `nextCursor` as `after` gives the next page (keyset pagination: stable while
   * jobs are added). Rejects with `INVALID_ARGUMENT` (a bad `limit`, `states`, `after`) or `INVALID_DATE`.
   */
  readonly listJobs: (query?: ListJobsQuery) => Promise<JobPage>;
  /**
   * Pauses a task in the store, for every instance: no jobs are made for its slots and none of its
   * jobs is claimed (those running go on to their end). Kept when `schedule()` saves the task again.
   * Rejects with `UNKNOWN_TASK`.
   */
  readonly pauseTask: (name: string) => Promise<TaskInfo>;
  /**
   * Deletes ended jobs (and their logs) that ended before `olderThan`, in batches of `batchSize` (one
   * transaction each), calling `onProgress` as it goes. Resolves how many it deleted.
   */
  readonly pruneJobs: (options: PruneJobsOptions) => Promise<number>;
  /**
   * Resumes a paused task: the slots missed while it was paused are treated as after downtime (its
   * `misfire` policy decides), and its pending jobs are claimed again. Rejects with `UNKNOWN_TASK`.
   */
  readonly resumeTask: (name: string) => Promise<TaskInfo>;
  /**
   * Gives a job that failed for good (ERROR) or was canceled one more attempt, now: the attempt count
   * goes on (as a retry from Sidekiq's dead set or BullMQ's `job.retry()`), so a job whose attempts
   * were used up gets exactly one; if it fails again, it fails for good. Rejects with `UNKNOWN_JOB`,
   * `INVALID_JOB_STATE` (another state) or `UNKNOWN_TASK` (its task is gone).
   */
  readonly retryJob: (jobId: number) => Promise<JobRecord>;
  /**
   * Creates a one-off job of the task (forerunner's `assignJob(name, data)`): it runs once at `runAt`
   * (default now) with `payload` (default the task's), under the task's timeout, retry policy and
   * concurrency, apart from its slots. Rejects with `UNKNOWN_TASK`, `INVALID_PAYLOAD` or `INVALID_DATE`.
   */
  readonly runTask: (name: string, options?: RunTaskOptions) => Promise<JobRecord>;
  /**
   * The jobs that ended DONE (succeeded) or ERROR (failed) from `from` to `to` (default: the last 24
   * hours), counted per task and per bucket of `bucketSize` (default 1 hour), with the mean and longest
   * duration of those that started (see `JobStats`). Computed in the database, from the jobs of the
   * range alone. Rejects with `INVALID_ARGUMENT` or `INVALID_DATE`.
   */
  readonly summarizeJobs: (options?: SummarizeJobsOptions) => Promise<JobStats>;
};

const assertTaskName = (name: unknown, option = 'name'): string => {
  if (typeof name !== 'string' || name === '') {
    throw new InvalidSchedulerArgumentError(option, 'a non-empty string', name);
  }

  return name;
};

/** `assertTaskName`, and `UNKNOWN_TASK` for a name no task can have (the store is not asked: PostgreSQL would refuse a NUL). */
const assertKnowableTaskName = (name: unknown): string => {
  const taskName = assertTaskName(name);

  if (!isStorableTaskName(taskName)) {
    throw new UnknownScheduledTaskError(taskName);
  }

  return taskName;
};

/**
 * Task and job administration on the store: pause and resume, one-off runs, retries, pages of the job
 * history, counts and pruning. Arguments are validated before the store is touched (a bad one
 * rejects with `INVALID_ARGUMENT` or `INVALID_DATE` naming it); each store call is bounded by the
 * store's `queryTimeout`, as every other.
 */
export const createSchedulerAdmin = ({clock, request, store, tasks, toTaskInfo}: SchedulerAdminConfiguration): SchedulerAdmin => {
  const setPaused = async (name: string, paused: boolean): Promise<TaskInfo> => {
    const record = await store.setTaskPaused({name: assertKnowableTaskName(name), now: clock.now(), paused}) ?? (() => {
      throw new UnknownScheduledTaskError(name);
    })();

    if (tasks.has(name)) {
      tasks.set(name, record);
      // Resumed: the slots missed while paused are planned (as after downtime: its misfire policy decides) and its jobs claimed.
      request(paused ? {} : {claim: true, materialize: true});
    }

    return await toTaskInfo(record);
  };

  return {
    countJobs: async (options = {}) => {
      const taskName = options.taskName === undefined ? null : assertTaskName(options.taskName, 'taskName');
      const {states} = options;

      if (states !== undefined && (!Array.isArray(states) || !states.every((state) => (JOB_STATES as readonly unknown[]).includes(state)))) {
        throw new InvalidSchedulerArgumentError('states', `an array of job states (${JOB_STATES.join(', ')})`, states);
      }

      // A name no task can have has no jobs.
      if (taskName !== null && !isStorableTaskName(taskName)) {
        return {};
      }

      return await store.countJobs({states: states ?? null, taskName});
    },
    listJobs: async (query) => {
      const input = parseListJobsQuery(query);

      // A name no task can have has no jobs (`taskName` is absent from the default query).
      if (typeof input.taskName === 'string' && !isStorableTaskName(input.taskName)) {
        return {jobs: [], nextCursor: null};
      }
      // One more than asked says whether a next page exists.
      const jobs = await store.listJobs({...input, limit: input.limit + 1});
      const page = jobs.slice(0, input.limit);
      const last = page.at(-1);

      return {jobs: page, nextCursor: jobs.length > input.limit && last !== undefined ? encodeJobCursor(last) : null};
    },
    pauseTask: async (name) => await setPaused(name, true),
    pruneJobs: async (options) => {
      const {batchSize, onProgress, ...input} = parsePruneJobsOptions(options);

      if (input.taskName !== null && !isStorableTaskName(input.taskName)) {
        onProgress?.({deleted: 0, total: 0});

        return 0;
      }
      const total = await store.countEndedJobs(input);
      let deleted = 0;
      let afterId = 0;

      onProgress?.({deleted, total});

      for (;;) {
        const batch = await store.pruneJobs({...input, afterId, limit: batchSize});

        deleted += batch.deleted;

        if (batch.deleted > 0) {
          onProgress?.({deleted, total: Math.max(total, deleted)});
        }

        // A short batch: no more match (rows another transaction held were passed over, not counted).
        if (batch.lastId === null || batch.deleted < batchSize) {
          return deleted;
        }

        afterId = batch.lastId;
      }
    },
    resumeTask: async (name) => await setPaused(name, false),
    retryJob: async (jobId) => {
      if (!Number.isSafeInteger(jobId) || jobId < 1) {
        throw new InvalidSchedulerArgumentError('jobId', 'an integer >= 1', jobId);
      }

      const retried = await store.retryJob({id: jobId, now: clock.now()});

      if (retried === null) {
        const job = await store.getJob(jobId);

        if (job === null) {
          throw new UnknownJobError(jobId);
        }

        throw job.state === 'ERROR' || job.state === 'CANCELED' ?
          new UnknownScheduledTaskError(job.taskName, `; job ${jobId} cannot run again without it`) :
          new InvalidJobStateError(jobId, 'retry', job.state, 'ERROR or CANCELED');
      }

      if (tasks.has(retried.taskName)) {
        request({claim: true});
      }

      return retried;
    },
    runTask: async (name, options = {}) => {
      assertKnowableTaskName(name);

      if (typeof options !== 'object' || options === null) {
        throw new InvalidSchedulerArgumentError('options', 'an object `{payload?, runAt?}`', options);
      }

      const {payload} = options;
      const nonJson = payload === undefined ? null : findNonJsonValue(payload, 'payload');

      if (nonJson !== null) {
        throw new InvalidPayloadError(nonJson, payload);
      }

      const now = clock.now();
      const runAt = options.runAt === undefined ? now : parseDateInput(options.runAt, 'runAt');
      const job = await store.createJob({now, payload, runAt, taskName: name});

      if (job === null) {
        throw new UnknownScheduledTaskError(name);
      }

      if (tasks.has(name)) {
        request({claim: true, dueAt: job.runAt});
      }

      return job;
    },
    summarizeJobs: async (options = {}) => {
      const input = parseSummarizeJobsOptions(options, clock.now());
      const {bucketSize, from, to} = input;

      // A name no task can have has no jobs.
      if (typeof input.taskName === 'string' && !isStorableTaskName(input.taskName)) {
        return {bucketSize, buckets: [], from, to};
      }

      const buckets = await store.summarizeJobs(input);

      // Code-unit order, the same whatever the database's collation.
      return {bucketSize, buckets: [...buckets].sort((left, right) => left.taskName < right.taskName ? -1 : left.taskName > right.taskName ? 1 : left.bucketStart - right.bucketStart), from, to};
    },
  };
};
