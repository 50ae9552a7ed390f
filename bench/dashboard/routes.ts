/** What a route is measured with: the seeded task to read, a job of it, the cursor of its jobs' 5th page, and a task that never failed. */
export type RouteContext = {
  readonly fifthPageCursor: string;
  readonly jobId: number;
  /** Its last failure is none: found only by reading past its whole history, unless an index holds the failures. */
  readonly neverFailedTaskName: string;
  readonly taskName: string;
};

export type MeasuredRoute = {
  /** The scenario's name in the output. */
  readonly name: string;
  /** The request's path and query. */
  readonly path: (context: RouteContext) => string;
};

/**
 * The reads the dashboard's pages make, in the order a user meets them: one line each (a new
 * route of the page, such as a stats read, is one more line).
 */
export const ROUTES: readonly MeasuredRoute[] = [
  // Its statistics are cached 15 s: after the first request this measures the three other reads.
  {name: 'overview', path: () => '/v1/overview'},
  // What the overview's statistics cost when its cache is cold: the same read.
  {name: 'overview-stats-24h', path: () => '/v1/stats'},
  {name: 'task', path: ({taskName}) => `/v1/tasks/${taskName}`},
  {name: 'task-never-failed', path: ({neverFailedTaskName}) => `/v1/tasks/${neverFailedTaskName}`},
  {name: 'task-jobs', path: ({taskName}) => `/v1/tasks/${taskName}/jobs?limit=25`},
  {name: 'task-jobs-error', path: ({taskName}) => `/v1/tasks/${taskName}/jobs?limit=25&states=ERROR`},
  {name: 'task-jobs-last-24h', path: ({taskName}) => `/v1/jobs?${new URLSearchParams({from: new Date(Date.now() - 86_400_000).toISOString(), limit: '25', taskName}).toString()}`},
  {name: 'task-jobs-page-5', path: ({fifthPageCursor, taskName}) => `/v1/tasks/${taskName}/jobs?limit=25&after=${encodeURIComponent(fifthPageCursor)}`},
  {name: 'task-chart-24h', path: ({taskName}) => `/v1/stats?${new URLSearchParams({taskName}).toString()}`},
  {name: 'job', path: ({jobId}) => `/v1/jobs/${jobId}`},
  {name: 'job-logs', path: ({jobId}) => `/v1/jobs/${jobId}/logs`},
];
