import {UnknownScheduledTaskError} from '../../scheduler/errors.ts';
import type {Scheduler} from '../../scheduler/createScheduler.ts';
import type {ScheduleTaskConfiguration} from '../../scheduler/schedulerApiTypes.ts';
import {TASK_ROUTE_SCHEMAS} from '../schemas/taskSchemas.ts';
import type {PutTaskBody} from '../schemas/taskSchemas.ts';
import {toTaskBody} from '../toTaskBody.ts';
import type {ServerApp} from '../types.ts';

export type TaskRoutesConfiguration = {
  readonly scheduler: Scheduler;
};

const tags = ['tasks'];

const toScheduleTaskConfiguration = (name: string, body: PutTaskBody): ScheduleTaskConfiguration => {
  // The JSON body is the library's input, less the name (in the path); the scheduler validates the rest.
  return {...body, name} as ScheduleTaskConfiguration;
};

/** `/v1/tasks`: list, get, create or replace, delete, trigger. */
export const registerTaskRoutes = (app: ServerApp, {scheduler}: TaskRoutesConfiguration): void => {
  app.get('/tasks', {schema: {...TASK_ROUTE_SCHEMAS.list, summary: 'List the tasks', tags}}, async () => {
    return {tasks: (await scheduler.listTasks()).map(toTaskBody)};
  });

  app.get('/tasks/:name', {schema: {...TASK_ROUTE_SCHEMAS.get, summary: 'Get a task', tags}}, async (request) => {
    const task = await scheduler.getTask(request.params.name);

    if (task === null) {
      throw new UnknownScheduledTaskError(request.params.name);
    }

    return toTaskBody(task);
  });

  app.put('/tasks/:name', {schema: {...TASK_ROUTE_SCHEMAS.put, summary: 'Create or replace a task (201 created, 200 replaced)', tags}}, async (request, reply) => {
    const {name} = request.params;
    const existed = await scheduler.getTask(name) !== null;
    // In place: an unchanged schedule keeps its pending jobs, a changed one starts afresh (one-off jobs stay).
    const task = await scheduler.schedule(toScheduleTaskConfiguration(name, request.body), {replace: true});

    return await reply.code(existed ? 200 : 201).send(toTaskBody(task));
  });

  app.delete('/tasks/:name', {schema: {...TASK_ROUTE_SCHEMAS.delete, summary: 'Unschedule a task: its jobs that never started go, its pending retries are canceled', tags}}, async (request, reply) => {
    if (!await scheduler.unschedule(request.params.name)) {
      throw new UnknownScheduledTaskError(request.params.name);
    }

    return await reply.code(204).send(null);
  });

  app.post('/tasks/:name/trigger', {schema: {...TASK_ROUTE_SCHEMAS.trigger, summary: 'Run a round of the dispatcher now (due slots get their jobs, due jobs start)', tags}}, async (request, reply) => {
    scheduler.trigger(request.params.name);

    return await reply.code(202).send({taskName: request.params.name});
  });

  app.post('/tasks/:name/pause', {schema: {...TASK_ROUTE_SCHEMAS.pause, summary: 'Pause a task in every instance: no jobs for its slots, none of its jobs claimed', tags}}, async (request) => {
    return toTaskBody(await scheduler.pauseTask(request.params.name));
  });

  app.post('/tasks/:name/resume', {schema: {...TASK_ROUTE_SCHEMAS.resume, summary: 'Resume a paused task (missed slots follow its misfire policy)', tags}}, async (request) => {
    return toTaskBody(await scheduler.resumeTask(request.params.name));
  });
};
