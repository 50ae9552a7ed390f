/**
 * Every /v1 route through real HTTP requests, on one scheduler store (PGlite, PostgreSQL): run by
 * one file per store. Each response is checked against the server's OpenAPI document.
 */
import type {ExecutionContext, TestFn} from 'ava';
import type {Job} from '../../../src/scheduler/index.ts';
import type {SchedulerStoreFactory} from '../../scheduler/helpers/createHarness.ts';
import {until} from '../../helpers/until.ts';
import {START, startServer} from './startServer.ts';

const MINUTE = 60_000;
const at = (time: string) => `2026-01-01T${time}.000Z`;

export const defineRoutesSuite = (test: TestFn, name: string, createStore: SchedulerStoreFactory) => {
  const title = (text: string) => `${name}: ${text}`;

  const start = async (t: ExecutionContext) => {
    const {cleanup, store} = await createStore();

    // Registered first, so it runs last: after the server and the scheduler are stopped.
    t.teardown(async () => {
      await cleanup?.();
    });

    return await startServer(t, store);
  };

  test(title('PUT creates a task (201) and replaces it (200); GET and the list show it; DELETE unschedules it (204), then 404'), async (t) => {
    const {api} = await start(t);

    const created = await api.request('PUT', '/v1/tasks/{name}', {
      body: {concurrency: 2, misfire: 'skip', payload: {table: 'users'}, retry: {attempts: 3, backoff: {delay: 500, type: 'fixed'}}, schedule: '0 3 * * *', timeout: 30_000, timezone: 'Europe/Berlin'},
      params: {name: 'nightly archive'},
    });

    t.is(created.status, 201);
    t.deepEqual(created.body, {
      concurrency: 2,
      lastFailure: null,
      lastJob: null,
      lastSuccess: null,
      misfire: 'skip',
      name: 'nightly archive',
      nextJob: {date: at('02:00:00'), id: created.body.nextJob.id},
      nextRunAt: at('02:00:00'),
      payload: {table: 'users'},
      schedule: {expression: '0 3 * * *', kind: 'CRON', timezone: 'Europe/Berlin'},
      timeout: 30_000,
    });

    t.deepEqual((await api.request('GET', '/v1/tasks/{name}', {params: {name: 'nightly archive'}})).body, created.body);

    const replaced = await api.request('PUT', '/v1/tasks/{name}', {body: {schedule: {every: '15m'}, timeout: 1000}, params: {name: 'nightly archive'}});

    t.is(replaced.status, 200);
    t.like(replaced.body, {concurrency: 1, misfire: 'once', nextRunAt: at('00:15:00'), payload: null, schedule: {every: 900_000, kind: 'INTERVAL'}});

    const oneShot = await api.request('PUT', '/v1/tasks/{name}', {body: {schedule: {date: '2026-01-02T09:00', repeat: {d: 7, months: 1}}, timeout: 1000}, params: {name: 'billing'}});

    t.is(oneShot.status, 201);
    t.deepEqual(oneShot.body.schedule, {
      date: '2026-01-02T09:00:00.000Z',
      kind: 'ONE_SHOT',
      repeat: {days: 7, hours: 0, milliseconds: 0, minutes: 0, months: 1, seconds: 0, weeks: 0, years: 0},
      timezone: 'UTC',
    });

    const list = await api.request('GET', '/v1/tasks');

    t.is(list.status, 200);
    t.deepEqual(list.body.tasks.map((task: {name: string}) => task.name).sort(), ['billing', 'nightly archive']);

    t.is((await api.request('DELETE', '/v1/tasks/{name}', {params: {name: 'nightly archive'}})).status, 204);
    t.like(await api.request('GET', '/v1/tasks/{name}', {params: {name: 'nightly archive'}}), {body: {code: 'UNKNOWN_TASK', taskName: 'nightly archive'}, status: 404});
    t.like(await api.request('DELETE', '/v1/tasks/{name}', {params: {name: 'nightly archive'}}), {body: {code: 'UNKNOWN_TASK'}, status: 404});
    t.like(await api.request('GET', '/v1/tasks/{name}/jobs', {params: {name: 'nightly archive'}}), {body: {code: 'UNKNOWN_TASK'}, status: 404});
    t.deepEqual((await api.request('GET', '/v1/tasks')).body.tasks.map((task: {name: string}) => task.name), ['billing']);
  });

  test(title('a job through HTTP: listed with its task, canceled (a second cancel is 409), rescheduled, run; its logs; a DONE job cannot be canceled or rescheduled (409)'), async (t) => {
    const {api, clock, scheduler} = await start(t);

    await api.request('PUT', '/v1/tasks/{name}', {body: {payload: [1, 2], schedule: {date: at('00:01:00')}, timeout: 10_000}, params: {name: 'reminder'}});

    const jobs = await api.request('GET', '/v1/tasks/{name}/jobs', {params: {name: 'reminder'}});

    t.is(jobs.status, 200);
    t.is(jobs.body.jobs.length, 1);
    t.like(jobs.body.jobs[0], {attempt: 0, payload: [1, 2], runAt: at('00:01:00'), scheduledFor: at('00:01:00'), state: 'SCHEDULED', taskName: 'reminder'});

    const {id} = jobs.body.jobs[0] as {id: number};

    t.like(await api.request('GET', '/v1/jobs/{id}', {params: {id}}), {body: {id, state: 'SCHEDULED'}, status: 200});
    t.like(await api.request('POST', '/v1/jobs/{id}/cancel', {params: {id}}), {body: {id, state: 'CANCELED'}, status: 200});
    t.like(await api.request('POST', '/v1/jobs/{id}/cancel', {params: {id}}), {body: {code: 'INVALID_JOB_STATE', jobId: id, state: 'CANCELED'}, status: 409});

    const rescheduled = await api.request('POST', '/v1/jobs/{id}/reschedule', {body: {runAt: at('00:02:00')}, params: {id}});

    t.like(rescheduled, {body: {id, runAt: at('00:02:00'), state: 'SCHEDULED'}, status: 200});

    const ran: Job[] = [];

    scheduler.addProcessor('reminder', async (job) => {
      await job.log('sending');
      await job.progress(0.5, 'send');
      ran.push(job);
    });
    await clock.advance(2 * MINUTE);
    await until(async () => (await scheduler.getJob(id))?.state === 'DONE');

    t.like(await api.request('GET', '/v1/jobs/{id}', {params: {id}}), {body: {attempt: 1, endedAt: at('00:02:00'), error: null, progress: 0.5, startedAt: at('00:02:00'), state: 'DONE', step: 'send'}, status: 200});

    const logs = await api.request('GET', '/v1/jobs/{id}/logs', {params: {id}});

    t.is(logs.status, 200);
    t.like(logs.body.logs, [{attempt: 1, message: 'sending', progress: null}, {attempt: 1, message: null, progress: 0.5, step: 'send'}]);
    t.like(await api.request('POST', '/v1/jobs/{id}/cancel', {params: {id}}), {body: {code: 'INVALID_JOB_STATE', state: 'DONE'}, status: 409});
    t.like(await api.request('POST', '/v1/jobs/{id}/reschedule', {body: {runAt: START}, params: {id}}), {body: {code: 'INVALID_JOB_STATE', state: 'DONE'}, status: 409});
    t.is(ran.length, 1);
  });

  test(title('an unknown job is 404 UNKNOWN_JOB on every job route'), async (t) => {
    const {api} = await start(t);
    const params = {id: 987_654};

    for (const [method, path, body] of [['GET', '/v1/jobs/{id}'], ['GET', '/v1/jobs/{id}/logs'], ['POST', '/v1/jobs/{id}/cancel'], ['POST', '/v1/jobs/{id}/reschedule', {runAt: at('00:05:00')}]] as const) {
      t.like(await api.request(method, path, {body, params}), {body: {code: 'UNKNOWN_JOB', jobId: 987_654}, status: 404}, `${method} ${path}`);
    }
  });

  test(title('trigger asks for a dispatcher round (202) and the due job runs; an unknown task is 404'), async (t) => {
    const {api, scheduler} = await start(t);
    let runs = 0;

    await api.request('PUT', '/v1/tasks/{name}', {body: {schedule: {date: START}, timeout: 10_000}, params: {name: 'now'}});
    scheduler.addProcessor('now', () => {
      runs++;
    });

    t.like(await api.request('POST', '/v1/tasks/{name}/trigger', {params: {name: 'now'}}), {body: {taskName: 'now'}, status: 202});
    // Polled on the scheduler: as many requests would run into the rate limit.
    await until(async () => (await scheduler.getTask('now'))?.lastSuccess !== null);
    t.is(runs, 1);
    t.like(await api.request('POST', '/v1/tasks/{name}/trigger', {params: {name: 'missing'}}), {body: {code: 'UNKNOWN_TASK', taskName: 'missing'}, status: 404});
  });

  test(title('a failed job shows its error and the task its lastFailure'), async (t) => {
    const {api, clock, scheduler} = await start(t);

    await api.request('PUT', '/v1/tasks/{name}', {body: {retry: {attempts: 1}, schedule: {date: at('00:01:00')}, timeout: 10_000}, params: {name: 'broken'}});
    scheduler.addProcessor('broken', () => {
      throw Object.assign(new Error('disk full'), {code: 'ENOSPC'});
    });
    await clock.advance(MINUTE);

    await until(async () => (await scheduler.getTask('broken'))?.lastFailure !== null);

    const task = await api.request('GET', '/v1/tasks/{name}', {params: {name: 'broken'}});
    const job = await api.request('GET', '/v1/jobs/{id}', {params: {id: task.body.lastFailure.id}});

    t.like(task.body, {lastFailure: {status: 'failed'}, lastJob: {status: 'failed'}, lastSuccess: null});
    t.like(job.body, {attempt: 1, error: {code: 'ENOSPC', message: 'disk full'}, state: 'ERROR'});
  });
};
