import type {Scheduler} from '../scheduler/createScheduler.ts';
import type {JobStats} from '../scheduler/schedulerApiTypes.ts';
import type {WorkerHub} from './createWorkerHub.ts';
import type {OverviewBody} from './schemas/overviewSchemas.ts';
import {toJobBody} from './toJobBody.ts';
import {toJobStatsBody} from './toJobStatsBody.ts';
import {toTaskBody} from './toTaskBody.ts';
import {toWorkerBody} from './toWorkerBody.ts';

export type ReadOverviewConfiguration = {
  readonly hub: Pick<WorkerHub, 'listWorkers'>;
  /** At most this many running jobs and as many failures. */
  readonly limit: number;
  /** The last 24 hours by hour: `scheduler.summarizeJobs()`, or a cache of it (`createOverviewStatsCache`). */
  readonly readStats: () => Promise<JobStats>;
  readonly scheduler: Pick<Scheduler, 'listJobs' | 'listTasks'>;
};

/**
 * The body of `GET /v1/overview` (and of each `overview` event of its stream): every task, the
 * running jobs and the latest failures (`limit` of each, newest first), the hub's workers, and the
 * jobs ended in the last 24 hours by hour (`stats`, as `GET /v1/stats`). Three reads of the store
 * and `readStats`, made together.
 */
export const readOverview = async ({hub, limit, readStats, scheduler}: ReadOverviewConfiguration): Promise<OverviewBody> => {
  const [tasks, running, failures, stats] = await Promise.all([
    scheduler.listTasks(),
    scheduler.listJobs({limit, states: ['RUNNING']}),
    scheduler.listJobs({limit, states: ['ERROR']}),
    // Stats: the charts of the task table (the default range ends with the current hour, so it changes hourly, not at each read).
    readStats(),
  ]);

  return {
    failures: failures.jobs.map(toJobBody),
    running: running.jobs.map(toJobBody),
    stats: toJobStatsBody(stats),
    tasks: tasks.map(toTaskBody),
    workers: hub.listWorkers().map(toWorkerBody),
  };
};
