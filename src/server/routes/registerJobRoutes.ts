import {InvalidDateError, UnknownJobError, UnknownScheduledTaskError} from '../../scheduler/errors.ts';
import type {Scheduler} from '../../scheduler/createScheduler.ts';
import type {Clock} from '../../planton/types.ts';
import type {EndedJobState, JobState} from '../../scheduler/recordTypes.ts';
import type {JobPage} from '../../scheduler/schedulerApiTypes.ts';
import type {WebhookNotifier} from '../createWebhookNotifier.ts';
import {parseOlderThan} from '../parseOlderThan.ts';
import {parseStates} from '../parseStates.ts';
import {JOB_ROUTE_SCHEMAS} from '../schemas/jobSchemas.ts';
import {toJobBody} from '../toJobBody.ts';
import {toJobLogEntryBody} from '../toJobLogEntryBody.ts';
import type {ServerApp} from '../types.ts';

export type JobRoutesConfiguration = {
  /** Where `olderThan=30d` counts back from. */
  readonly clock: Clock;
  /** Whose deliveries `/v1/jobs/:id/deliveries` lists. */
  readonly notifier: WebhookNotifier;
  readonly scheduler: Scheduler;
};

const toPageBody = (page: JobPage) => ({jobs: page.jobs.map(toJobBody), nextCursor: page.nextCursor});

/** A query's `limit` (its pattern allows 1 to 500) as a number. */
const toLimit = (limit: string | undefined) => limit === undefined ? undefined : Number(limit);

const tags = ['jobs'];

/** `/v1/jobs` (list, prune), `/v1/jobs/:id` (get, logs, cancel, reschedule, retry, deliveries) and `/v1/tasks/:name/jobs` (list, create). */
export const registerJobRoutes = (app: ServerApp, {clock, notifier, scheduler}: JobRoutesConfiguration): void => {
  const getJobOrThrow = async (id: number) => {
    const job = await scheduler.getJob(id);

    if (job === null) {
      throw new UnknownJobError(id);
    }

    return job;
  };

  app.get('/tasks/:name/jobs', {schema: {...JOB_ROUTE_SCHEMAS.taskJobs, summary: 'A page of a task\'s jobs, newest first', tags}}, async (request) => {
    const {after, limit, states} = request.query;
    const page = await scheduler.listJobs({after, limit: toLimit(limit), states: parseStates<JobState>(states), taskName: request.params.name});

    // A task that is gone may have left jobs (canceled, ended): those are still listed.
    if (page.jobs.length === 0 && after === undefined && await scheduler.getTask(request.params.name) === null) {
      throw new UnknownScheduledTaskError(request.params.name);
    }

    return toPageBody(page);
  });

  app.post('/tasks/:name/jobs', {schema: {...JOB_ROUTE_SCHEMAS.runTask, summary: 'Create a one-off job of a task, now or at `runAt`', tags}}, async (request, reply) => {
    const {payload, runAt} = request.body;

    return await reply.code(201).send(toJobBody(await scheduler.runTask(request.params.name, {...payload === undefined ? {} : {payload}, ...runAt === undefined ? {} : {runAt}})));
  });

  app.get('/jobs', {schema: {...JOB_ROUTE_SCHEMAS.list, summary: 'A page of jobs of every task, newest first, filtered by task, states and time', tags}}, async (request) => {
    const {after, from, limit, states, taskName, to} = request.query;

    return toPageBody(await scheduler.listJobs({after, from, limit: toLimit(limit), states: parseStates<JobState>(states), taskName, to}));
  });

  app.delete('/jobs', {schema: {...JOB_ROUTE_SCHEMAS.prune, summary: 'Delete ended jobs (and their logs) that ended before `olderThan`', tags}}, async (request) => {
    const {olderThan, states, taskName} = request.query;

    return {deleted: await scheduler.pruneJobs({olderThan: parseOlderThan(olderThan, clock.now()), states: parseStates<EndedJobState>(states), taskName})};
  });

  app.get('/jobs/:id', {schema: {...JOB_ROUTE_SCHEMAS.get, summary: 'Get a job: state, attempts, progress, error', tags}}, async (request) => {
    return toJobBody(await getJobOrThrow(Number(request.params.id)));
  });

  app.get('/jobs/:id/logs', {schema: {...JOB_ROUTE_SCHEMAS.logs, summary: 'A job\'s log lines and progress, oldest first', tags}}, async (request) => {
    const id = Number(request.params.id);

    await getJobOrThrow(id);

    return {logs: (await scheduler.getJobLogs(id)).map(toJobLogEntryBody)};
  });

  app.post('/jobs/:id/cancel', {schema: {...JOB_ROUTE_SCHEMAS.cancel, summary: 'Cancel a SCHEDULED or WAITING job', tags}}, async (request) => {
    return toJobBody(await scheduler.cancel(Number(request.params.id)));
  });

  app.post('/jobs/:id/reschedule', {schema: {...JOB_ROUTE_SCHEMAS.reschedule, summary: 'Move a job that is not RUNNING or DONE to `runAt` (as SCHEDULED)', tags}}, async (request) => {
    const {runAt} = request.body;

    try {
      return toJobBody(await scheduler.reschedule(Number(request.params.id), runAt));
    } catch (error) {
      // The scheduler names its parameter `date`; the request's field is `runAt`.
      throw error instanceof InvalidDateError ? new InvalidDateError(runAt, 'runAt') : error;
    }
  });

  app.post('/jobs/:id/retry', {schema: {...JOB_ROUTE_SCHEMAS.retry, summary: 'Give a failed (ERROR) or canceled job one more attempt, now', tags}}, async (request) => {
    return toJobBody(await scheduler.retryJob(Number(request.params.id)));
  });

  app.get('/jobs/:id/deliveries', {schema: {...JOB_ROUTE_SCHEMAS.deliveries, summary: 'The job\'s webhook deliveries made by this process', tags}}, async (request) => {
    const id = Number(request.params.id);
    const deliveries = notifier.listDeliveries(id);

    if (deliveries.length === 0) {
      await getJobOrThrow(id);
    }

    return {deliveries};
  });
};
