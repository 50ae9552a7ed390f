import {InvalidDateError, UnknownJobError, UnknownScheduledTaskError} from '../../scheduler/errors.ts';
import type {Scheduler} from '../../scheduler/createScheduler.ts';
import {JOB_ROUTE_SCHEMAS} from '../schemas/jobSchemas.ts';
import {toJobBody} from '../toJobBody.ts';
import {toJobLogEntryBody} from '../toJobLogEntryBody.ts';
import type {ServerApp} from '../types.ts';

export type JobRoutesConfiguration = {
  readonly scheduler: Scheduler;
};

const tags = ['jobs'];

/** `/v1/jobs/:id` (get, logs, cancel, reschedule) and `/v1/tasks/:name/jobs`. */
export const registerJobRoutes = (app: ServerApp, {scheduler}: JobRoutesConfiguration): void => {
  const getJobOrThrow = async (id: number) => {
    const job = await scheduler.getJob(id);

    if (job === null) {
      throw new UnknownJobError(id);
    }

    return job;
  };

  app.get('/tasks/:name/jobs', {schema: {...JOB_ROUTE_SCHEMAS.taskJobs, summary: 'List a task\'s jobs, by slot', tags}}, async (request) => {
    const {jobs} = await scheduler.listJobs({taskName: request.params.name});

    // A task that is gone may have left jobs (canceled, ended): those are still listed.
    if (jobs.length === 0 && await scheduler.getTask(request.params.name) === null) {
      throw new UnknownScheduledTaskError(request.params.name);
    }

    return {jobs: jobs.map(toJobBody)};
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
};
