/** The long names of the units of a repeat period, largest first. */
export type RepeatUnit = 'days' | 'hours' | 'milliseconds' | 'minutes' | 'months' | 'seconds' | 'weeks' | 'years';

/** The shorthands of the repeat units: `y M w d h m s ms` (`M` is months, `m` minutes). */
export type RepeatShorthand = 'd' | 'h' | 'm' | 'M' | 'ms' | 's' | 'w' | 'y';

/**
 * What a user writes as `repeat`: any of the units, long or short (not both for one unit), each a
 * non-negative integer, at least one of them > 0. `{months: 1, days: 7}` = `{M: 1, d: 7}`.
 */
export type RepeatInput = Readonly<Partial<Record<RepeatShorthand | RepeatUnit, number>>>;

/** A repeat period with every unit spelled out (0 where not given). */
export type RepeatPeriod = Readonly<Record<RepeatUnit, number>>;

/** A date as a user may write it. Strings without an offset are read in the task's time zone. */
export type DateInput = Date | number | string;

/** What a user writes as a task's `schedule`. */
export type ScheduleInput =
  /** A cron expression (5 fields, or 6 with seconds first) or a duration such as `15m`. */
  | string
  | {readonly date: DateInput; readonly repeat?: RepeatInput}
  /** Milliseconds (an integer >= 1) or a duration string. */
  | {readonly every: number | string};

/** A cron schedule, evaluated by croner in `timezone`. */
export type CronSchedule = {
  readonly kind: 'CRON';
  /** The expression as given, trimmed. */
  readonly expression: string;
  readonly timezone: string;
};

/** Fixed-length slots `every` milliseconds apart (exact time: a `1d` interval is 24 hours, DST or not). */
export type IntervalSchedule = {
  readonly kind: 'INTERVAL';
  readonly every: number;
};

/** One slot at `date`; with `repeat`, then one at `date + n × repeat` for every n >= 1, calendar units counted in `timezone`. */
export type OneShotSchedule = {
  readonly date: Date;
  readonly kind: 'ONE_SHOT';
  readonly repeat: RepeatPeriod | null;
  readonly timezone: string;
};

/** A validated, normalised schedule: plain data, so it can be stored and compared. */
export type Schedule = CronSchedule | IntervalSchedule | OneShotSchedule;

/** What to do with the slots that fell due while no scheduler ran. */
export type MisfirePolicy = 'all' | 'once' | 'skip';

/** How long to wait before retry number `attempt` (the attempt that just failed, from 1). */
export type BackoffFunction = (attempt: number) => number;

export type FixedBackoff = {
  readonly type: 'fixed';
  /** Milliseconds between a failure and the next attempt. */
  readonly delay: number;
};

export type ExponentialBackoff = {
  readonly type: 'exponential';
  /** Milliseconds before the first retry; doubled for each one after. */
  readonly delay: number;
  /**
   * Largest delay before jitter, in milliseconds.
   * @default Infinity (no cap)
   */
  readonly maxDelay?: number;
  /**
   * Fraction (0–1) of the delay that is randomised away: the delay is drawn from
   * `[delay × (1 − jitter), delay]`. `1` is "full jitter".
   * @default 0
   */
  readonly jitter?: number;
};

export type Backoff = BackoffFunction | ExponentialBackoff | FixedBackoff;

/** What a user writes as `retry`. */
export type RetryPolicyInput = {
  /** How many attempts a job gets in all, the first included (an integer >= 1; 1 = never retried). */
  readonly attempts: number;
  /**
   * How long to wait between attempts.
   * @default {type: 'exponential', delay: 1000}
   */
  readonly backoff?: Backoff;
};

/** A validated retry policy, defaults applied. */
export type RetryPolicy = {
  readonly attempts: number;
  readonly backoff: BackoffFunction | Required<ExponentialBackoff> | FixedBackoff;
};

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

/** A retry policy as a store keeps it: a backoff function stays in the process that gave it (`null` here). */
export type StoredRetryPolicy = {
  readonly attempts: number;
  readonly backoff: ExponentialBackoff | FixedBackoff | null;
};

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
  | {readonly state: 'DONE'}
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

/** One attempt to end, as `SchedulerStore.finishJobs` takes it. */
export type JobFinish = {
  readonly attempt: number;
  readonly id: number;
  /**
   * A recovery of a lost attempt: applies only if the attempt's lease ended at or before this
   * instant. An attempt given back (released) and claimed again has the same number but a new lease,
   * and must not be ended by a recovery that listed the old one.
   */
  readonly leaseEndedBy?: number;
  readonly now: number;
  readonly outcome: JobOutcome;
};

/** What `SchedulerStore.getWakeTimes` reports: the instants at which the dispatcher may have work. `null` where there is none. */
export type WakeTimes = {
  /** Some pending job of a claimable task is due by `claimUntil` but was not claimed (its task is at its concurrency). */
  readonly blocked: boolean;
  /** The earliest `runAt` after `claimUntil` of a pending job of a claimable task. */
  readonly claimAt: number | null;
  /** The earliest `leaseUntil` after `leaseAfter` of a RUNNING job of the tasks. */
  readonly leaseUntil: number | null;
  /** The earliest `nextRunAt` of the tasks: when their next slots need jobs. */
  readonly nextRunAt: number | null;
  /** The earliest `runAt` after `unprocessedAfter` of a pending job of an unprocessed task. */
  readonly unprocessedRunAt: number | null;
};

/**
 * Where the scheduler keeps tasks, jobs and logs: shared by every scheduler instance that uses it.
 * Times are milliseconds since the epoch from the scheduler's clock. Every method that changes a job
 * is fenced by the job's state (and `attempt`), so two instances racing change it at most once.
 * Methods take many tasks (or jobs) at once, so that one dispatcher serves every task of an instance
 * in a few statements per round. Implementations: `createMemorySchedulerStore` (one process),
 * `createPostgresSchedulerStore` (PostgreSQL server or PGlite). Unreachable backends reject with
 * `server_unreachable`.
 */
/** What `getWakeTimes` looks at: the instance's tasks, those it can claim for, and the times that matter. */
export type WakeTimesInput = {
  readonly claimableTaskNames: readonly string[];
  readonly claimUntil: number;
  readonly leaseAfter: number;
  readonly taskNames: readonly string[];
  readonly unprocessedAfter: number;
  readonly unprocessedTaskNames: readonly string[];
};

/** What `SchedulerStore.listJobs` reads; every filter is optional. */
export type JobListInput = {
  /** Only jobs after this one in the order (keyset pagination): `scheduledFor` lower, or equal and `id` lower. */
  readonly after?: {readonly id: number; readonly scheduledFor: number} | null;
  /** Only jobs with `scheduledFor` at or after this instant. */
  readonly from?: number | null;
  /** At most this many jobs (an integer >= 1). */
  readonly limit: number;
  /** Only jobs in these states (none when empty). */
  readonly states?: readonly JobState[] | null;
  readonly taskName?: string | null;
  /** Only jobs with `scheduledFor` before this instant. */
  readonly to?: number | null;
};

/** What `SchedulerStore.pruneJobs` and `countEndedJobs` select: ended jobs by end time. */
export type EndedJobsInput = {
  /** Only jobs that ended before this instant. */
  readonly endedBefore: number;
  readonly states: readonly EndedJobState[];
  readonly taskName?: string | null;
};

/** What `SchedulerStore.countJobs` and `scheduler.countJobs()` take. */
export type CountJobsInput = {
  /**
   * The states to count; the other keys are left out. Counting the active states alone
   * (SCHEDULED, WAITING, RUNNING) reads only those jobs; the ended ones are the bulk of the history.
   * @default every state
   */
  readonly states?: readonly JobState[] | null;
  /** Only this task. */
  readonly taskName?: string | null;
};

/** How many jobs are in each state counted (every state unless some were asked for: then those alone). */
export type JobStateCounts = Readonly<Partial<Record<JobState, number>>>;

/** Job counts by task name, then state: every stored task (zeros included), and every task name that has jobs in the states counted. */
export type JobCounts = Readonly<Record<string, JobStateCounts>>;

export type SchedulerStore = {
  /**
   * Claims due SCHEDULED/WAITING jobs of `taskNames` that are not paused (`runAt <= claimUntil`, oldest `runAt` first, at
   * most `limit` in all) as RUNNING, never more of a task than its `concurrency` running in all
   * instances; skips jobs another instance holds. A job claimed before its `runAt` gets `startedAt =
   * runAt` (the scheduler starts it then) and `leaseUntil = startedAt + timeout`. `signal` gives up
   * on the claim (the scheduler's `terminate()` does, past its `terminateTimeout`): it rejects with
   * the signal's reason and claims nothing, or gives back what a claim already on its way claimed.
   */
  readonly claimJobs: (input: {readonly claimUntil: number; readonly limit: number; readonly now: number; readonly signal?: AbortSignal; readonly taskNames: readonly string[]; readonly worker: string}) => Promise<readonly JobRecord[]>;
  /** Counts of the jobs by task and state (see `JobCounts`), of one task when `taskName` is given, of `states` (default all). */
  readonly countJobs: (input: CountJobsInput) => Promise<JobCounts>;
  /** How many jobs `pruneJobs` would delete, from the first id on. */
  readonly countEndedJobs: (input: EndedJobsInput) => Promise<number>;
  /**
   * Creates a `'ONE_OFF'` job of the task (SCHEDULED, `runAt` and `scheduledFor` = `runAt`, slot count 1),
   * with `payload`, or the task's payload when `payload` is `undefined`. `null` when there is no such task.
   */
  readonly createJob: (input: {readonly now: number; readonly payload?: unknown; readonly runAt: number; readonly taskName: string}) => Promise<JobRecord | null>;
  /** SCHEDULED/WAITING → CANCELED. Returns the job, or `null` when it is not in one of those states. */
  readonly cancelJob: (input: {readonly id: number; readonly now: number}) => Promise<JobRecord | null>;
  /** Removes the task; of its SCHEDULED/WAITING jobs, those that never started are deleted (freeing their slots), the others become CANCELED. `false` when there was no such task. */
  readonly deleteTask: (input: {readonly name: string; readonly now: number}) => Promise<boolean>;
  /** Ends RUNNING attempts (`id` and `attempt` must match), all in one go. Returns, in input order, each job, or `null` where it was not that running attempt. */
  readonly finishJobs: (input: readonly JobFinish[]) => Promise<ReadonlyArray<JobRecord | null>>;
  readonly getJob: (id: number) => Promise<JobRecord | null>;
  readonly getJobLogs: (id: number) => Promise<readonly JobLogEntry[]>;
  readonly getTask: (name: string) => Promise<TaskRecord | null>;
  readonly getTaskJobSummaries: (name: string) => Promise<TaskJobSummaries>;
  /** When the tasks may next need the dispatcher; see `WakeTimes` (paused tasks count only for `leaseUntil`). */
  readonly getWakeTimes: (input: WakeTimesInput) => Promise<WakeTimes>;
  /** RUNNING jobs of the tasks whose `leaseUntil` is at or before `before` (their instance died or lost them). */
  readonly listExpiredJobs: (input: {readonly before: number; readonly taskNames: readonly string[]}) => Promise<readonly JobRecord[]>;
  /** A page of jobs, newest `scheduledFor` first (then highest id); see `JobListInput`. */
  readonly listJobs: (input: JobListInput) => Promise<readonly JobRecord[]>;
  readonly listTasks: () => Promise<readonly TaskRecord[]>;
  /** Due SCHEDULED/WAITING jobs of the tasks that are not paused (`runAt <= now`), oldest first, at most `limit`. */
  readonly listDueJobs: (input: {readonly limit: number; readonly now: number; readonly taskNames: readonly string[]}) => Promise<readonly JobRecord[]>;
  /**
   * Under one exclusive lock (per store, not per task): reads those of `taskNames`, not paused, whose next slot is
   * at or before `until` (or that never had one planned), calls `plan` with each as stored, creates
   * the jobs it lists (a job whose task and slot exist already is kept; if it is SCHEDULED and never
   * started, its `slotCount` is updated), cancels the pending jobs of skipped slots and saves
   * `lastSlot`/`nextRunAt` — all tasks in a few statements. Waits while another instance holds the
   * lock (it then finds the slots that instance created, and creates nothing twice). Resolves the
   * tasks it planned, as saved.
   */
  readonly materializeJobs: (input: {readonly now: number; readonly plan: (task: TaskRecord) => MaterializationPlan; readonly taskNames: readonly string[]; readonly until: number}) => Promise<readonly TaskRecord[]>;
  /** A due SCHEDULED/WAITING job that no instance could run: `noProcessorCount` + 1 and a new `runAt`, or ERROR when `runAt` is `null`. Fenced by `noProcessorCount`. */
  readonly postponeJob: (input: {readonly error: Readonly<Record<string, unknown>> | null; readonly id: number; readonly noProcessorCount: number; readonly now: number; readonly runAt: number | null}) => Promise<JobRecord | null>;
  /**
   * Appends a log line and/or progress to the log of attempt `attempt`, also once it has ended (a
   * timed-out attempt goes on logging); the job's own `progress`/`step` change only while that attempt
   * is RUNNING. `false` when the job is gone or has not reached that attempt (it was given back).
   */
  readonly recordLog: (input: {readonly attempt: number; readonly id: number; readonly message: string | null; readonly now: number; readonly progress: number | null; readonly step: string | null}) => Promise<boolean>;
  /**
   * Gives back claimed attempts that never started (the scheduler terminated before their `runAt`):
   * RUNNING → SCHEDULED (or WAITING after an earlier attempt), `attempt` − 1. Fenced by `id` and `attempt`.
   */
  readonly releaseJobs: (input: ReadonlyArray<{readonly attempt: number; readonly id: number}>) => Promise<void>;
  /**
   * Deletes one batch of ended jobs (and their logs): those of `EndedJobsInput` with an id above
   * `afterId`, the `limit` lowest ids (rows another transaction holds are skipped). Returns how many
   * it deleted and the highest id it deleted (`null` when none), where the next batch starts.
   */
  readonly pruneJobs: (input: EndedJobsInput & {readonly afterId: number; readonly limit: number}) => Promise<{readonly deleted: number; readonly lastId: number | null}>;
  /**
   * An ERROR or CANCELED job of a stored task goes back for another attempt at `now`: SCHEDULED when it
   * never started, else WAITING; `attempt` kept, `endedAt` cleared, `noProcessorCount` 0, `error` kept.
   * `null` when the job is in another state, unknown, or its task is gone.
   */
  readonly retryJob: (input: {readonly id: number; readonly now: number}) => Promise<JobRecord | null>;
  /** Moves a SCHEDULED, WAITING, ERROR or CANCELED job to `runAt` (as SCHEDULED). `null` when it is RUNNING, DONE or unknown. */
  readonly rescheduleJob: (input: {readonly id: number; readonly now: number; readonly runAt: number}) => Promise<JobRecord | null>;
  /**
   * Creates or replaces the task (`paused` is kept). A changed schedule starts afresh: `lastSlot`
   * cleared, `createdAt` = now, the pending `'SLOT'` jobs discarded as by `deleteTask` (its
   * `'ONE_OFF'` jobs stay).
   */
  readonly saveTask: (input: {readonly now: number; readonly task: ScheduledTaskDefinition}) => Promise<TaskRecord>;
  /**
   * Pauses or resumes the task. Resumed, its pending jobs that fell due while it was paused are due
   * `now` (`runAt` = `now`), so instances without its processor wait `noProcessorGrace` from then
   * before counting them missed. `null` when there is no such task.
   */
  readonly setTaskPaused: (input: {readonly name: string; readonly now: number; readonly paused: boolean}) => Promise<TaskRecord | null>;
};

/** A node-style callback that `done`, `fail`, `log` and `progress` accept besides returning a promise. */
export type NodeCallback = (error: Error | null) => void;

export type JobEvents = {
  /**
   * The job ran past its task's `timeout`: it has failed with `job_timed_out` and its `signal` is
   * aborted (`job.signal.reason` is the `job_timed_out` error). The listener gets the task's timeout
   * in milliseconds, Infinitas' `taskTimeoutValue`.
   */
  readonly timeout: number;
};

/** What a processor receives: one attempt of one job. */
export type Job = {
  /** This attempt's number, from 1. */
  readonly attempt: number;
  /**
   * Marks the job succeeded, with an optional `result` (any value, not stored nor serialised, handed to the `succeeded`
   * event). Rejects (or calls back) with `job_done`, `job_failed` or `job_timed_out` when it has
   * ended already, `server_unreachable` when the store cannot be reached. A function as the only
   * argument is the callback (Infinitas' `done(callback)`).
   */
  readonly done: {
    (callback?: NodeCallback): Promise<void>;
    (result: unknown, callback?: NodeCallback): Promise<void>;
  };
  /**
   * Marks the attempt failed with `error` (a `JOB_HANDLER_ERROR` when none is given); the task's
   * `retry` decides whether another attempt follows. Answers like `done`; a function as the only
   * argument is the callback (Infinitas' `fail(callback)`).
   */
  readonly fail: {
    (callback?: NodeCallback): Promise<void>;
    (error: unknown, callback?: NodeCallback): Promise<void>;
  };
  readonly id: number;
  /**
   * Appends a line to the job's log (`getJobLogs`). Throws `job_done` or `job_failed` once `done` or
   * `fail` was called; after a timeout it goes on logging (as in Infinitas).
   */
  readonly log: (message: string, callback?: NodeCallback) => Promise<void>;
  readonly off: <Name extends keyof JobEvents>(name: Name, listener: (payload: JobEvents[Name]) => void) => void;
  readonly on: <Name extends keyof JobEvents>(name: Name, listener: (payload: JobEvents[Name]) => void) => void;
  readonly once: <Name extends keyof JobEvents>(name: Name, listener: (payload: JobEvents[Name]) => void) => void;
  /** The task's payload (any JSON value), as it was when the job was created. */
  readonly payload: unknown;
  /**
   * Records progress: a fraction from 0 to 1, a step name, or both (`progress(0.3, 'upload')`).
   * Stored with the job and in its log; after a timeout, in the log only. Throws like `log`.
   */
  readonly progress: (value: number | string, step?: NodeCallback | string, callback?: NodeCallback) => Promise<void>;
  /** The slot the job is for. */
  readonly scheduledFor: Date;
  /** Aborted when the attempt times out or the scheduler terminates. */
  readonly signal: AbortSignal;
  /** How many slots the job stands for (more than 1 after downtime under misfire `'once'`). */
  readonly slotCount: number;
  readonly taskName: string;
  /** The task's `timeout` (milliseconds) this attempt runs under, as the `timeout` event reports it. */
  readonly timeout: number;
};

/** The second parameter of a processor that takes one: ends the job, failed with `error` when one is given, else done with `result`. */
export type ProcessorCallback = (error?: unknown, result?: unknown) => void;

/**
 * Runs a job. A processor that declares one parameter, `(job) => …`, completes its job when it
 * returns (with the value returned as `result`) or when the promise it returns resolves (with its
 * value), as in BullMQ, unless it called `job.done()`/`job.fail()` first. A processor that declares
 * a second parameter, `(job, done) => …` (counted by `Function.length`, so without a default value),
 * ends its job only by calling `done(error?, result?)`, `job.done()` or `job.fail()`: what it
 * returns is ignored. Either way a throw or a rejected promise fails the job with that error.
 */
export type Processor = (job: Job, done: ProcessorCallback) => unknown;

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
  /** A job succeeded; `result` is what its processor gave `done(result)` (not stored with the job). */
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
