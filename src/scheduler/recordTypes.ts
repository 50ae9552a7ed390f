import type {MisfirePolicy, Schedule, StoredRetryPolicy} from './scheduleTypes.ts';

/** The state of a job: SCHEDULED (first attempt ahead), WAITING (a retry ahead), RUNNING, then DONE, ERROR or CANCELED. */
export type JobState = 'CANCELED' | 'DONE' | 'ERROR' | 'RUNNING' | 'SCHEDULED' | 'WAITING';

/** The states a job ends in: what `pruneJobs` may delete. */
export type EndedJobState = 'CANCELED' | 'DONE' | 'ERROR';

/**
 * Where a job comes from: `'SLOT'`, made by the task's schedule, exactly one per slot (unique per task
 * and `scheduledFor`); `'ONE_OFF'`, made by `runTask` (forerunner's `assignJob`), any number of them,
 * apart from the slots.
 */
export type JobKind = 'ONE_OFF' | 'SLOT';
/** What `SchedulerStore.saveTask` writes. */
export type ScheduledTaskDefinition = {
  readonly concurrency: number;
  readonly misfire: MisfirePolicy;
  readonly name: string;
  /** Any JSON value; copied into each of the task's jobs. */
  readonly payload: unknown;
  readonly retry: StoredRetryPolicy;
  readonly schedule: Schedule;
  readonly timeout: number;
};

/** A task as a store holds it. Times are milliseconds since the epoch. */
export type TaskRecord = ScheduledTaskDefinition & {
  readonly createdAt: number;
  /** A paused task gets no jobs for its slots and none of its jobs is claimed (`pauseTask`); kept when the task is saved again. */
  readonly paused: boolean;
  /** The slot of the task's last job created by planning (up to 3 s ahead of now: slots get their jobs ahead), or `null` before its first. */
  readonly lastSlot: number | null;
  /** The first slot after `lastSlot` (the next one without a job, or whose job was made in advance), or `null` when the schedule has no more. */
  readonly nextRunAt: number | null;
};

/** A job as a store holds it. Times are milliseconds since the epoch. */
export type JobRecord = {
  /** Attempts started so far (0 before the first). */
  readonly attempt: number;
  readonly createdAt: number;
  readonly endedAt: number | null;
  /** The last failure, serialised (`serialize-error`), or `null`. */
  readonly error: Readonly<Record<string, unknown>> | null;
  readonly id: number;
  readonly kind: JobKind;
  /** When a RUNNING job's attempt times out. */
  readonly leaseUntil: number | null;
  /** Times no scheduler instance had a processor for the job when it was due. */
  readonly noProcessorCount: number;
  readonly payload: unknown;
  readonly progress: number | null;
  /**
   * What the processor completed the job with (`done(result)`, or the value it returned), as JSON
   * holds it (a Date as its ISO string), once the job is DONE; `null` otherwise, and for a result JSON
   * cannot hold (`UNSTORABLE_JOB_RESULT`).
   */
  readonly result: unknown;
  /** When the job may (next) start. */
  readonly runAt: number;
  /** The slot the job is keyed by (unique per task among its `'SLOT'` jobs); for a `'ONE_OFF'` job, the `runAt` it was created with. */
  readonly scheduledFor: number;
  /** How many slots the job stands for (more than 1 after a misfire under `'once'`). */
  readonly slotCount: number;
  readonly startedAt: number | null;
  readonly state: JobState;
  readonly step: string | null;
  readonly taskName: string;
  /** The scheduler instance that ran the last attempt. */
  readonly worker: string | null;
};

export type JobLogEntry = {
  readonly attempt: number;
  readonly date: Date;
  readonly message: string | null;
  readonly progress: number | null;
  readonly step: string | null;
};

/** What a task needs created now, decided by `planMaterialization` from the task as stored. */
export type MaterializationPlan = {
  /** Due jobs (run at once), those of the slots within the horizon, and the upcoming one (each run at its slot), oldest first. */
  readonly jobs: ReadonlyArray<{readonly runAt: number; readonly scheduledFor: number; readonly slotCount: number}>;
  readonly lastSlot: number | null;
  readonly nextRunAt: number | null;
  /** Under misfire `'skip'`: slots dropped; their jobs made in advance are canceled. */
  readonly skipped: {readonly from: number; readonly through: number} | null;
};

/** How a RUNNING attempt ends; fenced by `attempt`, so a late or duplicate outcome changes nothing. */
export type JobOutcome =
  | {readonly result: unknown; readonly state: 'DONE'}
  | {readonly error: Readonly<Record<string, unknown>>; readonly runAt: number; readonly state: 'WAITING'}
  | {readonly error: Readonly<Record<string, unknown>>; readonly state: 'ERROR'};

/** The last job, success or failure of a task, as `getTask` reports it. */
export type JobSummary = {
  readonly date: Date;
  readonly id: number;
  readonly status: 'failed' | 'running' | 'succeeded';
};

export type TaskJobSummaries = {
  readonly lastFailure: JobSummary | null;
  readonly lastJob: JobSummary | null;
  readonly lastSuccess: JobSummary | null;
  /** The earliest SCHEDULED or WAITING job. */
  readonly nextJob: {readonly date: Date; readonly id: number} | null;
};
