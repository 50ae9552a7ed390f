import type {Scheduler} from '../../scheduler/createScheduler.ts';
import type {JobStats} from '../../scheduler/schedulerApiTypes.ts';
import type {WorkerHub} from '../createWorkerHub.ts';
import {readOverview} from '../readOverview.ts';
import {OVERVIEW_ROUTE_SCHEMAS} from '../schemas/overviewSchemas.ts';
import type {ServerApp} from '../types.ts';

export type OverviewRouteConfiguration = {
  readonly hub: WorkerHub;
  /** At most this many running jobs and as many failures. */
  readonly limit: number;
  /** The overview's `stats` (the shared cache). */
  readonly readStats: () => Promise<JobStats>;
  readonly scheduler: Scheduler;
};

/**
 * `GET /v1/overview`: the tasks, the running jobs, the latest failures, the connected workers and the
 * last 24 hours by hour (`stats`) in one answer, so that the dashboard's overview refreshes with one
 * request, not five.
 */
export const registerOverviewRoute = (app: ServerApp, {hub, limit, readStats, scheduler}: OverviewRouteConfiguration): void => {
  app.get('/overview', {schema: {...OVERVIEW_ROUTE_SCHEMAS.get, summary: 'Tasks, running jobs, latest failures, workers and the last 24 hours by hour in one answer (the dashboard\'s overview)', tags: ['dashboard']}}, async () => {
    return await readOverview({hub, limit, readStats, scheduler});
  });
};
