// The bodies of the HTTP API the page reads (docs/server.md), as the page uses them. The server's
// schemas are TypeBox objects in Node code; the page is bundled apart from it, so it restates them.

export type Role = 'admin' | 'read';

export type Session = {
  /** The server has no tokens: everyone is the admin. */
  readonly anonymous: boolean;
  readonly csrfToken: string;
  readonly expiresAt: string;
  readonly name: string;
  readonly role: Role;
};

export type JobState = 'CANCELED' | 'DONE' | 'ERROR' | 'RUNNING' | 'SCHEDULED' | 'WAITING';

export type JobError = {
  readonly code?: string;
  readonly message?: string;
  readonly name?: string;
  readonly stack?: string;
};

export type Job = {
  readonly attempt: number;
  readonly createdAt: string;
  readonly endedAt: string | null;
  readonly error: JobError | null;
  readonly id: number;
  readonly kind: 'ONE_OFF' | 'SLOT';
  /** Times no scheduler instance had a processor for the job when it was due. */
  readonly noProcessorCount: number;
  readonly payload: unknown;
  /** What the processor returned, as stored (DONE jobs; `null` otherwise). */
  readonly result: unknown;
  readonly progress: number | null;
  readonly runAt: string;
  readonly scheduledFor: string;
  readonly startedAt: string | null;
  readonly state: JobState;
  readonly step: string | null;
  readonly taskName: string;
  readonly worker: string | null;
};

export type JobSummary = {readonly date: string; readonly id: number; readonly status: 'failed' | 'running' | 'succeeded'};

export type Schedule =
  | {readonly every: number; readonly kind: 'INTERVAL'}
  | {readonly expression: string; readonly kind: 'CRON'; readonly timezone: string | null}
  | {readonly date: string; readonly kind: 'ONE_SHOT'; readonly repeat: Readonly<Record<string, number>> | null; readonly timezone: string | null};

export type Task = {
  readonly lastFailure: JobSummary | null;
  readonly lastSuccess: JobSummary | null;
  readonly name: string;
  readonly nextRunAt: string | null;
  readonly paused: boolean;
  readonly schedule: Schedule;
};

export type Worker = {
  readonly clientId: string;
  readonly concurrency: number;
  /** `false` while it is away (disconnected, within its lease). */
  readonly connected: boolean;
  /** When its session began (reconnections within the lease keep it). */
  readonly connectedAt: string;
  readonly jobs: ReadonlyArray<{readonly attempt: number; readonly jobId: number; readonly taskName: string}>;
  readonly lastSeenAt: string;
  readonly load: number;
  readonly name: string;
  readonly tasks: readonly string[];
  /** The name of the token it connected with. */
  readonly tokenName: string;
};

/** One task's jobs that ended in one bucket (`GET /v1/stats`). */
export type StatsBucket = {
  readonly averageDuration: number | null;
  readonly failed: number;
  readonly maxDuration: number | null;
  readonly start: string;
  readonly succeeded: number;
};

/** `GET /v1/stats` and the overview's `stats`: the jobs that ended per task and bucket, from `from` to `to`. */
export type JobStats = {
  readonly bucketSize: number;
  readonly from: string;
  readonly tasks: ReadonlyArray<{readonly buckets: readonly StatsBucket[]; readonly name: string}>;
  readonly to: string;
};

export type Overview = {
  readonly failures: readonly Job[];
  readonly running: readonly Job[];
  readonly stats: JobStats;
  readonly tasks: readonly Task[];
  readonly workers: readonly Worker[];
};

export type LogEntry = {
  readonly attempt: number;
  readonly date: string;
  readonly message: string | null;
  readonly progress: number | null;
  readonly step: string | null;
};
