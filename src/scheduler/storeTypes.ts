import type {
  EndedJobState,
  JobLogEntry,
  JobOutcome,
  JobRecord,
  JobState,
  MaterializationPlan,
  ScheduledTaskDefinition,
  TaskJobSummaries,
  TaskRecord,
} from './recordTypes.ts';

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

/** What `SchedulerStore.summarizeJobs` reads: the jobs that ended DONE or ERROR at or after `from` and before `to`. */
export type JobStatsInput = {
  /** Milliseconds per bucket (an integer >= 1): bucket `k` holds the jobs that ended in [`from` + k × `bucketSize`, `from` + (k + 1) × `bucketSize`). */
  readonly bucketSize: number;
  readonly from: number;
  /** Only this task. */
  readonly taskName?: string | null;
  readonly to: number;
};

/** One task's jobs that ended in one bucket (see `JobStatsInput`); a bucket where none ended has no entry. */
export type JobStatsBucket = {
  /** The mean `endedAt − startedAt` in milliseconds of those that started (rounded to the millisecond), or `null` when none did. */
  readonly averageDuration: number | null;
  /** Where the bucket starts: `from` + k × `bucketSize`. */
  readonly bucketStart: number;
  /** Those that ended ERROR (failed for good: timed out or not). */
  readonly failed: number;
  /** The longest `endedAt − startedAt` in milliseconds, or `null` when none started. */
  readonly maxDuration: number | null;
  /** Those that ended DONE. */
  readonly succeeded: number;
  readonly taskName: string;
};

/**
 * Where the scheduler keeps tasks, jobs and logs: shared by every scheduler instance that uses it.
 * Times are milliseconds since the epoch from the scheduler's clock. Every method that changes a job
 * is fenced by the job's state (and `attempt`), so two instances racing change it at most once.
 * Methods take many tasks (or jobs) at once, so that one dispatcher serves every task of an instance
 * in a few statements per round. Implementations: `createMemorySchedulerStore` (one process),
 * `createPostgresSchedulerStore` (PostgreSQL server or PGlite), `createMysqlSchedulerStore` (MySQL 8,
 * MariaDB 10.6+), `createSqliteSchedulerStore` (a SQLite file shared by processes). Unreachable
 * backends reject with `server_unreachable`.
 */
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
  /**
   * The DONE and ERROR jobs that ended in [`from`, `to`), counted per task and bucket, with their
   * durations; see `JobStatsBucket`. In no particular order. Reads only the jobs that ended in the range
   * (an index on the end time), however long the history is.
   */
  readonly summarizeJobs: (input: JobStatsInput) => Promise<readonly JobStatsBucket[]>;
};
