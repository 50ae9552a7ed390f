import type {Scheduler} from '../../scheduler/createScheduler.ts';
import {STATS_ROUTE_SCHEMAS} from '../schemas/statsSchemas.ts';
import {toJobStatsBody} from '../toJobStatsBody.ts';
import type {ServerApp} from '../types.ts';

export type StatsRouteConfiguration = {
  readonly scheduler: Scheduler;
};

/** `?bucketSize=`: milliseconds when it is digits, else a duration (`1h`) the scheduler reads. */
const toBucketSize = (bucketSize: string | undefined) => bucketSize === undefined ? undefined : /^\d+$/u.test(bucketSize) ? Number(bucketSize) : bucketSize;

/**
 * `GET /v1/stats`: the jobs that ended DONE or ERROR per task and time bucket (`scheduler.summarizeJobs()`),
 * counted in the database from the jobs of the range alone: what the dashboard's charts draw.
 */
export const registerStatsRoute = (app: ServerApp, {scheduler}: StatsRouteConfiguration): void => {
  app.get('/stats', {schema: {...STATS_ROUTE_SCHEMAS.get, summary: 'Jobs that succeeded and failed, and their durations, per task and time bucket (default: the last 24 hours by hour)', tags: ['jobs']}}, async (request) => {
    const {bucketSize, from, taskName, to} = request.query;

    return toJobStatsBody(await scheduler.summarizeJobs({bucketSize: toBucketSize(bucketSize), from, taskName, to}));
  });
};
