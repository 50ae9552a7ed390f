import {collectDefaultMetrics, Counter, Gauge, Histogram, Registry} from 'prom-client';
import type {Scheduler} from '../scheduler/createScheduler.ts';
import type {WorkerHub} from './createWorkerHub.ts';
import type {JobRecord, JobState} from '../scheduler/recordTypes.ts';
import type {SchedulerEvents} from '../scheduler/schedulerApiTypes.ts';

export type MetricsConfiguration = {
  /**
   * Adds prom-client's process metrics (CPU, memory, event-loop lag, handles) to the registry.
   * @default true
   */
  readonly defaultMetrics?: boolean;
  /** Its connected workers are counted at each scrape. */
  readonly hub: Pick<WorkerHub, 'listWorkers'>;
  /** Its `succeeded`, `failed`, `retry` and `timeout` events are counted per task. */
  readonly scheduler: Scheduler;
};

export type Metrics = {
  /** Stops counting the scheduler's events. */
  readonly close: () => void;
  /** Records one HTTP request: its route pattern (`/v1/jobs/:id`), method, status and duration in seconds. */
  readonly observeRequest: (request: {readonly method: string; readonly route: string; readonly seconds: number; readonly statusCode: number}) => void;
  /** The registry `/metrics` renders. */
  readonly registry: Registry;
};

const ACTIVE_STATES: readonly JobState[] = ['SCHEDULED', 'WAITING', 'RUNNING'];

type Outcome = 'failed' | 'retry' | 'succeeded' | 'timeout';

/**
 * The server's Prometheus metrics in a registry of its own (several servers may share a process):
 * `planton_http_request_duration_seconds` (histogram by method, route and status) and
 * `planton_jobs_total` (jobs of this process by task and outcome: `succeeded`, `failed`, `retry`,
 * `timeout`), `planton_job_duration_seconds` and `planton_job_start_lag_seconds` (histograms of the
 * attempt that ended each job: its run time, and how late it started after it was due: the queue
 * lag), `planton_jobs` (the jobs pending or running now in the store, by task and state,
 * counted at each scrape), `planton_connected_workers` (remote workers connected to this server
 * now), plus prom-client's process metrics.
 */
export const createMetrics = ({defaultMetrics = true, hub, scheduler}: MetricsConfiguration): Metrics => {
  const registry = new Registry();
  const requestDuration = new Histogram({
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    help: 'HTTP requests by method, route pattern and status, in seconds.',
    labelNames: ['method', 'route', 'status_code'],
    name: 'planton_http_request_duration_seconds',
    registers: [registry],
  });
  const jobs = new Counter({
    help: 'Job outcomes in this process, by task: succeeded, failed (for good), retry (an attempt failed, another follows), timeout (an attempt ran past its timeout).',
    labelNames: ['task', 'outcome'],
    name: 'planton_jobs_total',
    registers: [registry],
  });

  const durations = new Histogram({
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600],
    help: 'How long the attempt that ended a job ran (started → ended), by task and outcome (succeeded, failed), in seconds.',
    labelNames: ['task', 'outcome'],
    name: 'planton_job_duration_seconds',
    registers: [registry],
  });
  const lags = new Histogram({
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300],
    help: 'Queue lag: how late the attempt that ended a job started after it was due (runAt → started), by task, in seconds.',
    labelNames: ['task'],
    name: 'planton_job_start_lag_seconds',
    registers: [registry],
  });

  /** A job that ended (DONE or ERROR): its last attempt's run time and start lag. */
  const observeEnd = (job: JobRecord, outcome: 'failed' | 'succeeded') => {
    if (job.startedAt === null) {
      // Failed without an attempt (no processor anywhere): nothing ran, nothing waited to start.
      return;
    }

    lags.observe({task: job.taskName}, Math.max(0, job.startedAt - job.runAt) / 1000);

    if (job.endedAt !== null) {
      durations.observe({outcome, task: job.taskName}, Math.max(0, job.endedAt - job.startedAt) / 1000);
    }
  };

  // Read at scrape time; the active states alone, which the store counts from those jobs only (the
  // ended ones would read the whole history: about half a second per million jobs).
  new Gauge({
    async collect () {
      const counts = await scheduler.countJobs({states: ACTIVE_STATES});

      this.reset();

      for (const [task, states] of Object.entries(counts)) {
        for (const [state, count] of Object.entries(states)) {
          this.set({state, task}, count ?? 0);
        }
      }
    },
    help: 'Jobs pending or running now, by task and state (SCHEDULED, WAITING, RUNNING), read from the store at each scrape.',
    labelNames: ['task', 'state'],
    name: 'planton_jobs',
    registers: [registry],
  });

  new Gauge({
    collect () {
      this.set(hub.listWorkers().filter((worker) => worker.connected).length);
    },
    help: 'Remote workers connected to this server now (those away within their lease not counted).',
    name: 'planton_connected_workers',
    registers: [registry],
  });

  if (defaultMetrics) {
    collectDefaultMetrics({register: registry});
  }

  const listeners = {
    failed: ({job}: SchedulerEvents['failed']) => {
      jobs.inc({outcome: 'failed', task: job.taskName});
      observeEnd(job, 'failed');
    },
    retry: ({job}: SchedulerEvents['retry']) => {
      jobs.inc({outcome: 'retry', task: job.taskName});
    },
    succeeded: ({job}: SchedulerEvents['succeeded']) => {
      jobs.inc({outcome: 'succeeded', task: job.taskName});
      observeEnd(job, 'succeeded');
    },
    timeout: ({job}: SchedulerEvents['timeout']) => {
      jobs.inc({outcome: 'timeout', task: job.taskName});
    },
  } satisfies {[Name in Outcome]: (payload: SchedulerEvents[Name]) => void};

  scheduler.events.on('failed', listeners.failed);
  scheduler.events.on('retry', listeners.retry);
  scheduler.events.on('succeeded', listeners.succeeded);
  scheduler.events.on('timeout', listeners.timeout);

  return {
    close: () => {
      scheduler.events.off('failed', listeners.failed);
      scheduler.events.off('retry', listeners.retry);
      scheduler.events.off('succeeded', listeners.succeeded);
      scheduler.events.off('timeout', listeners.timeout);
    },
    observeRequest: ({method, route, seconds, statusCode}) => {
      requestDuration.observe({method, route, status_code: String(statusCode)}, seconds);
    },
    registry,
  };
};
