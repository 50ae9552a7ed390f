import type {JobLogEntry, JobRecord, JobState, TaskJobSummaries, TaskRecord} from '../recordTypes.ts';
import type {EndedJobsInput, SchedulerStore} from '../storeTypes.ts';
import {JOB_STATES} from '../jobStates.ts';
import {summarizeJobRecords} from '../summarizeJobRecords.ts';

type MutableJob = {-readonly [Key in keyof JobRecord]: JobRecord[Key]};

const PENDING = new Set(['SCHEDULED', 'WAITING']);

const byRunAt = (a: JobRecord, b: JobRecord) => a.runAt - b.runAt || a.id - b.id;

/** The job history's order: newest `scheduledFor` first, then highest id. */
const newestFirst = (a: JobRecord, b: JobRecord) => b.scheduledFor - a.scheduledFor || b.id - a.id;


const isEnded = (job: JobRecord, {endedBefore, states, taskName}: EndedJobsInput) => {
  return (states as readonly string[]).includes(job.state) && job.endedAt !== null && job.endedAt < endedBefore && (taskName === undefined || taskName === null || job.taskName === taskName);
};

/** A fresh SCHEDULED slot job, never started. */
const newJob = (id: number, taskName: string, now: number, runAt: number): MutableJob => ({
  attempt: 0,
  createdAt: now,
  endedAt: null,
  error: null,
  id,
  kind: 'SLOT',
  leaseUntil: null,
  noProcessorCount: 0,
  payload: null,
  progress: null,
  result: null,
  runAt,
  scheduledFor: runAt,
  slotCount: 1,
  startedAt: null,
  state: 'SCHEDULED',
  step: null,
  taskName,
  worker: null,
});

/**
 * A scheduler store in this process's memory: for tests and single-process use. Nothing survives
 * the process, and instances do not share it unless they share this object. Each method runs to
 * completion without awaiting, which is what makes it atomic.
 */
export const createMemorySchedulerStore = (): SchedulerStore => {
  const tasks = new Map<string, TaskRecord>();
  const jobs = new Map<number, MutableJob>();
  const logs = new Map<number, JobLogEntry[]>();
  let nextJobId = 1;

  const snapshot = (job: MutableJob | undefined): JobRecord | null => job === undefined ? null : {...job};
  const jobsOf = (taskName: string) => [...jobs.values()].filter((job) => job.taskName === taskName);
  const cancel = (job: MutableJob, now: number) => {
    job.state = 'CANCELED';
    job.endedAt = now;
  };
  /** A task removed or rescheduled (its `'SLOT'` jobs alone with `slotsOnly`): its jobs that never started go (freeing their slots), the others pending are canceled. */
  const isActive = (taskName: string) => tasks.get(taskName)?.paused === false;
  const discardPending = (taskName: string, now: number, slotsOnly: boolean) => {
    for (const job of jobsOf(taskName).filter((candidate) => !slotsOnly || candidate.kind === 'SLOT')) {
      if (PENDING.has(job.state) && job.attempt === 0) {
        jobs.delete(job.id);
        logs.delete(job.id);
      } else if (PENDING.has(job.state)) {
        cancel(job, now);
      }
    }
  };

  return {
    cancelJob: async ({id, now}) => {
      const job = jobs.get(id);

      if (job === undefined || !PENDING.has(job.state)) {
        return null;
      }

      cancel(job, now);

      return snapshot(job);
    },
    claimJobs: async ({claimUntil, limit, now, signal, taskNames, worker}) => {
      signal?.throwIfAborted();

      const candidates: Array<{readonly job: MutableJob; readonly task: TaskRecord}> = [];

      for (const taskName of new Set(taskNames)) {
        const task = tasks.get(taskName);

        if (task === undefined || task.paused) {
          continue;
        }

        const running = jobsOf(taskName).filter((job) => job.state === 'RUNNING').length;
        const due = jobsOf(taskName).filter((job) => PENDING.has(job.state) && job.runAt <= claimUntil).sort(byRunAt);

        for (const job of due.slice(0, Math.max(0, task.concurrency - running))) {
          candidates.push({job, task});
        }
      }

      return candidates.sort((a, b) => byRunAt(a.job, b.job)).slice(0, Math.max(0, limit)).map(({job, task}) => {
        job.state = 'RUNNING';
        job.attempt++;
        job.startedAt = Math.max(job.runAt, now);
        job.leaseUntil = job.startedAt + task.timeout;
        job.worker = worker;
        job.progress = null;
        job.step = null;

        return {...job};
      });
    },
    countEndedJobs: async (input) => [...jobs.values()].filter((job) => isEnded(job, input)).length,
    countJobs: async ({states, taskName}) => {
      const counted = new Set(states ?? JOB_STATES);
      const zeroCounts = () => Object.fromEntries([...counted].map((state) => [state, 0])) as Record<JobState, number>;
      const counts: Record<string, Record<JobState, number>> = {};

      if (counted.size === 0) {
        return counts;
      }

      const named = (name: string) => taskName === undefined || taskName === null || name === taskName;

      for (const name of tasks.keys()) {
        if (named(name)) {
          counts[name] = zeroCounts();
        }
      }

      for (const job of jobs.values()) {
        if (named(job.taskName) && counted.has(job.state)) {
          const ofTask = counts[job.taskName] ?? zeroCounts();

          ofTask[job.state]++;
          counts[job.taskName] = ofTask;
        }
      }

      return counts;
    },
    createJob: async ({now, payload, runAt, taskName}) => {
      const task = tasks.get(taskName);

      if (task === undefined) {
        return null;
      }

      const id = nextJobId++;
      const job: MutableJob = {...newJob(id, taskName, now, runAt), kind: 'ONE_OFF', payload: payload === undefined ? task.payload : payload, scheduledFor: runAt};

      jobs.set(id, job);

      return snapshot(job);
    },
    deleteTask: async ({name, now}) => {
      discardPending(name, now, false);

      return tasks.delete(name);
    },
    finishJobs: async (finishes) => finishes.map(({attempt, id, leaseEndedBy, now, outcome}) => {
      const job = jobs.get(id);

      if (job === undefined || job.state !== 'RUNNING' || job.attempt !== attempt) {
        return null;
      }

      if (leaseEndedBy !== undefined && (job.leaseUntil ?? Number.POSITIVE_INFINITY) > leaseEndedBy) {
        return null;
      }

      job.state = outcome.state;
      job.leaseUntil = null;

      if (outcome.state === 'DONE') {
        job.endedAt = now;
        job.result = outcome.result;
      } else {
        job.error = outcome.error;
        job.endedAt = outcome.state === 'ERROR' ? now : null;

        if (outcome.state === 'WAITING') {
          job.runAt = outcome.runAt;
        }
      }

      return snapshot(job);
    }),
    getJob: async (id) => snapshot(jobs.get(id)),
    getJobLogs: async (id) => [...logs.get(id) ?? []],
    getTask: async (name) => tasks.get(name) ?? null,
    getTaskJobSummaries: async (name): Promise<TaskJobSummaries> => {
      const started = jobsOf(name).filter((job) => job.startedAt !== null).sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0) || b.id - a.id);
      const summary = (job: MutableJob | undefined) => {
        if (job === undefined) {
          return null;
        }

        const status = job.state === 'RUNNING' ? 'running' : job.state === 'DONE' ? 'succeeded' : 'failed';

        return {date: new Date(job.startedAt ?? job.runAt), id: job.id, status} as const;
      };
      const next = jobsOf(name).filter((job) => PENDING.has(job.state)).sort(byRunAt)[0];

      return {
        lastFailure: summary(started.find((job) => job.state === 'ERROR' || (job.state === 'WAITING' && job.error !== null))),
        lastJob: summary(started.find((job) => job.state === 'RUNNING' || job.state === 'DONE' || job.state === 'ERROR' || job.state === 'WAITING')),
        lastSuccess: summary(started.find((job) => job.state === 'DONE')),
        nextJob: next === undefined ? null : {date: new Date(next.runAt), id: next.id},
      };
    },
    getWakeTimes: ({claimableTaskNames, claimUntil, leaseAfter, taskNames, unprocessedAfter, unprocessedTaskNames}) => {
      const earliest = (values: readonly number[]) => values.length === 0 ? null : Math.min(...values);
      const claimable = new Set(claimableTaskNames);
      const unprocessed = new Set(unprocessedTaskNames);
      const named = new Set(taskNames);
      const pending = [...jobs.values()].filter((job) => PENDING.has(job.state));

      // Paused tasks plan and claim nothing: their jobs and slots wake no one (their running jobs' leases still do).
      for (const name of [...claimable, ...unprocessed]) {
        if (!isActive(name)) {
          claimable.delete(name);
          unprocessed.delete(name);
        }
      }

      return Promise.resolve({
        blocked: pending.some((job) => claimable.has(job.taskName) && job.runAt <= claimUntil),
        claimAt: earliest(pending.filter((job) => claimable.has(job.taskName) && job.runAt > claimUntil).map((job) => job.runAt)),
        leaseUntil: earliest([...jobs.values()].filter((job) => named.has(job.taskName) && job.state === 'RUNNING' && job.leaseUntil !== null && job.leaseUntil > leaseAfter).map((job) => job.leaseUntil ?? 0)),
        nextRunAt: earliest(taskNames.filter(isActive).map((name) => tasks.get(name)?.nextRunAt ?? null).filter((value) => value !== null)),
        unprocessedRunAt: earliest(pending.filter((job) => unprocessed.has(job.taskName) && job.runAt > unprocessedAfter).map((job) => job.runAt)),
      });
    },
    listDueJobs: async ({limit, now, taskNames}) => {
      const named = new Set(taskNames.filter(isActive));

      return [...jobs.values()].filter((job) => named.has(job.taskName) && PENDING.has(job.state) && job.runAt <= now).sort(byRunAt).slice(0, limit).map((job) => ({...job}));
    },
    listExpiredJobs: async ({before, taskNames}) => {
      const named = new Set(taskNames);

      return [...jobs.values()].filter((job) => named.has(job.taskName) && job.state === 'RUNNING' && job.leaseUntil !== null && job.leaseUntil <= before).map((job) => ({...job}));
    },
    listJobs: async ({after, from, limit, states, taskName, to}) => {
      const wanted = new Set<string>(states ?? JOB_STATES);

      return [...jobs.values()].filter((job) => {
        return wanted.has(job.state) &&
          (taskName === undefined || taskName === null || job.taskName === taskName) &&
          (from === undefined || from === null || job.scheduledFor >= from) &&
          (to === undefined || to === null || job.scheduledFor < to) &&
          (after === undefined || after === null || job.scheduledFor < after.scheduledFor || (job.scheduledFor === after.scheduledFor && job.id < after.id));
      }).sort(newestFirst).slice(0, limit).map((job) => ({...job}));
    },
    listTasks: async () => [...tasks.values()].sort((a, b) => a.name.localeCompare(b.name)),
    materializeJobs: async ({now, plan, taskNames, until}) => {
      const planned: TaskRecord[] = [];

      for (const taskName of [...new Set(taskNames)].sort()) {
        const task = tasks.get(taskName);

        if (task === undefined || task.paused || !(task.nextRunAt === null ? task.lastSlot === null : task.nextRunAt <= until)) {
          continue;
        }

        const decided = plan(task);
        const slotJobs = jobsOf(taskName).filter((job) => job.kind === 'SLOT');
        const taken = new Map(slotJobs.map((job) => [job.scheduledFor, job]));

        if (decided.skipped !== null) {
          const {from, through} = decided.skipped;

          for (const job of slotJobs) {
            if (job.state === 'SCHEDULED' && job.attempt === 0 && job.scheduledFor >= from && job.scheduledFor <= through) {
              cancel(job, now);
            }
          }
        }

        for (const job of decided.jobs) {
          const existing = taken.get(job.scheduledFor);

          if (existing !== undefined && existing.state === 'SCHEDULED' && existing.attempt === 0) {
            existing.slotCount = job.slotCount;
          }

          if (existing === undefined) {
            const id = nextJobId++;

            jobs.set(id, {...newJob(id, taskName, now, job.runAt), payload: task.payload, scheduledFor: job.scheduledFor, slotCount: job.slotCount});
          }
        }

        const updated = {...task, lastSlot: decided.lastSlot, nextRunAt: decided.nextRunAt};

        tasks.set(taskName, updated);
        planned.push(updated);
      }

      return planned;
    },
    postponeJob: async ({error, id, noProcessorCount, now, runAt}) => {
      const job = jobs.get(id);

      if (job === undefined || !PENDING.has(job.state) || job.noProcessorCount !== noProcessorCount) {
        return null;
      }

      job.noProcessorCount++;
      job.error = error;

      if (runAt === null) {
        job.state = 'ERROR';
        job.endedAt = now;
      } else {
        job.runAt = runAt;
      }

      return snapshot(job);
    },
    pruneJobs: async ({afterId, limit, ...input}) => {
      const chosen = [...jobs.values()].filter((job) => job.id > afterId && isEnded(job, input)).sort((a, b) => a.id - b.id).slice(0, limit);

      for (const job of chosen) {
        jobs.delete(job.id);
        logs.delete(job.id);
      }

      return {deleted: chosen.length, lastId: chosen.at(-1)?.id ?? null};
    },
    recordLog: async ({attempt, id, message, now, progress, step}) => {
      const job = jobs.get(id);

      if (job === undefined || job.attempt < attempt) {
        return false;
      }

      if (job.state === 'RUNNING' && job.attempt === attempt) {
        job.progress = progress ?? job.progress;
        job.step = step ?? job.step;
      }

      logs.set(id, [...logs.get(id) ?? [], {attempt, date: new Date(now), message, progress, step}]);

      return true;
    },
    releaseJobs: async (released) => {
      for (const {attempt, id} of released) {
        const job = jobs.get(id);

        if (job !== undefined && job.state === 'RUNNING' && job.attempt === attempt) {
          job.state = attempt === 1 ? 'SCHEDULED' : 'WAITING';
          job.attempt--;
          job.leaseUntil = null;

          if (attempt === 1) {
            job.startedAt = null;
            job.worker = null;
          }
        }
      }
    },
    retryJob: async ({id, now}) => {
      const job = jobs.get(id);

      if (job === undefined || (job.state !== 'ERROR' && job.state !== 'CANCELED') || !tasks.has(job.taskName)) {
        return null;
      }

      job.state = job.attempt === 0 ? 'SCHEDULED' : 'WAITING';
      job.runAt = now;
      job.endedAt = null;
      job.noProcessorCount = 0;
      job.leaseUntil = null;

      return snapshot(job);
    },
    rescheduleJob: async ({id, now, runAt}) => {
      const job = jobs.get(id);

      if (job === undefined || job.state === 'RUNNING' || job.state === 'DONE') {
        return null;
      }

      job.state = 'SCHEDULED';
      job.runAt = runAt;
      job.endedAt = null;
      job.noProcessorCount = 0;
      void now;

      return snapshot(job);
    },
    saveTask: async ({now, task}) => {
      const existing = tasks.get(task.name);
      const sameSchedule = existing !== undefined && JSON.stringify(existing.schedule) === JSON.stringify(task.schedule);

      if (existing !== undefined && !sameSchedule) {
        discardPending(task.name, now, true);
      }

      const record: TaskRecord = sameSchedule ?
        {...task, createdAt: existing.createdAt, lastSlot: existing.lastSlot, nextRunAt: existing.nextRunAt, paused: existing.paused} :
        {...task, createdAt: now, lastSlot: null, nextRunAt: null, paused: existing?.paused ?? false};

      tasks.set(task.name, record);

      return record;
    },
    setTaskPaused: async ({name, now, paused}) => {
      const task = tasks.get(name);

      if (task === undefined) {
        return null;
      }

      for (const job of paused ? [] : jobsOf(name)) {
        if (PENDING.has(job.state) && job.runAt < now) {
          job.runAt = now;
        }
      }

      const updated = {...task, paused};

      tasks.set(name, updated);

      return updated;
    },
    summarizeJobs: async (input) => summarizeJobRecords(jobs.values(), input),
  };
};
