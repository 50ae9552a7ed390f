import type {EndedJobState, JobRecord, JobState, TaskJobSummaries} from './recordTypes.ts';
import type {JobStatsBucket} from './storeTypes.ts';
import type {DateInput, MisfirePolicy, RetryPolicyInput, Schedule, ScheduleInput} from './scheduleTypes.ts';

/** What `scheduler.schedule()` takes. */
export type ScheduleTaskConfiguration = {
  /**
   * How many of the task's jobs may run at once, across every scheduler instance on the store.
   * @default 1
   */
  readonly concurrency?: number;
  /**
   * What to do with the slots missed while no scheduler ran: `'once'` (one job for all of them),
   * `'all'` (one job each, oldest first) or `'skip'` (drop those more than `misfireThreshold` late).
   * @default 'once'
   */
  readonly misfire?: MisfirePolicy;
  /** Unique per store; a name already stored is replaced (a changed schedule starts afresh). */
  readonly name: string;
  /**
   * Any JSON value, handed to the task's jobs as `job.payload`.
   * @default null
   */
  readonly payload?: unknown;
  /**
   * How often a failed job is tried: `{attempts, backoff}`.
   * @default one-shot: 4 attempts, exponential backoff from 1 s; cron and interval: 1 attempt (the next slot comes)
   */
  readonly retry?: RetryPolicyInput;
  /** A cron expression (5 or 6 fields), an interval (`'15m'`, `{every: 900_000}`) or a one-shot `{date, repeat?}`. */
  readonly schedule: ScheduleInput;
  /** Milliseconds after which a running job fails with `job_timed_out` (a finite number > 0). */
  readonly timeout: number;
  /**
   * IANA time zone (or UTC offset) of cron expressions, calendar repeats and offset-less dates.
   * @default 'UTC'
   */
  readonly timezone?: string;
};

/** What `scheduler.schedule()` takes besides the task. */
export type ScheduleOptions = {
  /**
   * Replaces a task this instance scheduled before instead of throwing `DUPLICATE_TASK_NAME`: the task is
   * saved again in place (`paused` kept), so an unchanged schedule keeps its pending jobs and a changed
   * one starts afresh (its pending slot jobs go; one-off jobs stay), as for a task stored by another instance.
   * @default false
   */
  readonly replace?: boolean;
};

/** A task as `getTask` and `listTasks` report it. */
export type TaskInfo = TaskJobSummaries & {
  readonly concurrency: number;
  readonly misfire: MisfirePolicy;
  readonly name: string;
  /** The first slot of the schedule after now, or `null` when it has none left (computed from the schedule; its job may exist already). */
  readonly nextRunAt: Date | null;
  /** Paused (`pauseTask`): no jobs for its slots, none of its jobs claimed, until `resumeTask`. */
  readonly paused: boolean;
  readonly payload: unknown;
  readonly schedule: Schedule;
  readonly timeout: number;
};

export type SchedulerEvents = {
  /** A background operation failed (a round, a store call); the scheduler keeps running. */
  readonly error: {readonly error: Error; readonly taskName: string | null};
  /** A job failed for good (no attempts left, or no processor in any instance). */
  readonly failed: {readonly error: unknown; readonly job: JobRecord};
  /** A failed attempt (or a due job without processor) will be tried again at `runAt`. */
  readonly retry: {readonly error: unknown; readonly job: JobRecord; readonly runAt: Date};
  /** A job succeeded; `result` is what its processor gave `done(result)` as given (`job.result` holds it as stored). */
  readonly succeeded: {readonly job: JobRecord; readonly result: unknown};
  /** An attempt ran past its timeout (in this instance, or lost by a dead one); `failed` or `retry` follows. */
  readonly timeout: {readonly error: Error; readonly job: JobRecord};
};

/** What `scheduler.runTask()` takes. */
export type RunTaskOptions = {
  /**
   * Any JSON value, handed to the job as `job.payload`.
   * @default the task's payload
   */
  readonly payload?: unknown;
  /**
   * When the job may start.
   * @default now
   */
  readonly runAt?: DateInput;
};

/** What `scheduler.listJobs()` takes; every filter is optional. */
export type ListJobsQuery = {
  /** The `nextCursor` of the previous page: this page continues after it. `null` or absent: the first page. */
  readonly after?: string | null;
  /** Only jobs whose `scheduledFor` is at or after this date. */
  readonly from?: DateInput;
  /**
   * Most jobs in the page: an integer from 1 to 500.
   * @default 50
   */
  readonly limit?: number;
  /** Only jobs in these states (none when empty). */
  readonly states?: readonly JobState[];
  /** Only the jobs of this task. */
  readonly taskName?: string;
  /** Only jobs whose `scheduledFor` is before this date. */
  readonly to?: DateInput;
};

/** A page of `scheduler.listJobs()`: newest `scheduledFor` first (then highest id). */
export type JobPage = {
  readonly jobs: readonly JobRecord[];
  /** Pass it as `after` for the next page; `null` on the last page. */
  readonly nextCursor: string | null;
};

/** What `scheduler.pruneJobs()` reports after each batch. */
export type PruneProgress = {
  /** Jobs deleted so far. */
  readonly deleted: number;
  /** Jobs that matched when the prune began. */
  readonly total: number;
};

/** What `scheduler.pruneJobs()` takes. */
export type PruneJobsOptions = {
  /**
   * Jobs deleted per transaction: an integer from 1 to 10000.
   * @default 1000
   */
  readonly batchSize?: number;
  /** Only jobs that ended before this date. */
  readonly olderThan: DateInput;
  /** Called after each batch; a throw stops the prune (the batches before stay deleted) and rejects it with that error. */
  readonly onProgress?: (progress: PruneProgress) => void;
  /**
   * Which ended jobs go.
   * @default ['CANCELED', 'DONE', 'ERROR']
   */
  readonly states?: readonly EndedJobState[];
  /** Only the jobs of this task. */
  readonly taskName?: string;
};

/** What `scheduler.countJobs()` takes. */
export type CountJobsOptions = {
  /**
   * The states to count; the other keys are left out of each task's counts.
   * @default every state
   */
  readonly states?: readonly JobState[];
  /** Only this task. */
  readonly taskName?: string;
};

/** What `scheduler.summarizeJobs()` takes. */
export type SummarizeJobsOptions = {
  /**
   * Milliseconds per bucket (an integer >= 1), or a duration such as `'1h'`; at most `MAX_STATS_BUCKETS` buckets in `from`–`to`.
   * @default '1h'
   */
  readonly bucketSize?: number | string;
  /**
   * Where the first bucket starts.
   * @default `to` − 24 hours (− `bucketSize` when that is longer)
   */
  readonly from?: DateInput;
  /** Only the jobs of this task. */
  readonly taskName?: string;
  /**
   * The end of the range (exclusive).
   * @default the end of the bucket now is in (`bucketSize` × (⌊now ÷ `bucketSize`⌋ + 1): the next whole hour by default), so that the range moves once per bucket
   */
  readonly to?: DateInput;
};

/** What `scheduler.summarizeJobs()` resolves: the range and bucket size it read (defaults resolved), and its buckets. */
export type JobStats = {
  /** Milliseconds per bucket. */
  readonly bucketSize: number;
  /** Ordered by task name (code units), then bucket; a bucket where no job of a task ended has no entry. */
  readonly buckets: readonly JobStatsBucket[];
  /** Milliseconds since the epoch: where the first bucket starts. */
  readonly from: number;
  /** Milliseconds since the epoch: the end of the range (exclusive). */
  readonly to: number;
};
