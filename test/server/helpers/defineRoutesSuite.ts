/**
 * Every /v1 route through real HTTP requests, on one scheduler store (PGlite, PostgreSQL): run by
 * one file per store. Each response is checked against the server's OpenAPI document.
 */
import type {ExecutionContext, TestFn} from 'ava';
import type {Job} from '../../../src/scheduler/index.ts';
import type {ServerConfiguration} from '../../../src/server/index.ts';
import type {SchedulerStoreFactory} from '../../scheduler/helpers/createHarness.ts';
import {until} from '../../helpers/until.ts';
import {openEventStream} from './openEventStream.ts';
import {START, startServer} from './startServer.ts';

const MINUTE = 60_000;
const at = (time: string) => `2026-01-01T${time}.000Z`;

export const defineRoutesSuite = (test: TestFn, name: string, createStore: SchedulerStoreFactory) => {
  const title = (text: string) => `${name}: ${text}`;

  const start = async (t: ExecutionContext, configuration: Omit<ServerConfiguration, 'scheduler'> = {}) => {
    const {cleanup, store} = await createStore();

    // Registered first, so it runs last: after the server and the scheduler are stopped.
    t.teardown(async () => {
      await cleanup?.();
    });

    return await startServer(t, store, configuration);
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
      paused: false,
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
    t.is(jobs.body.nextCursor, null);
    t.like(jobs.body.jobs[0], {attempt: 0, kind: 'SLOT', payload: [1, 2], runAt: at('00:01:00'), scheduledFor: at('00:01:00'), state: 'SCHEDULED', taskName: 'reminder'});

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

  test(title('pause and resume (200 Task with `paused`); POST /v1/tasks/:name/jobs makes a ONE_OFF job (201); GET /v1/jobs and a task\'s jobs page by cursor and filter; /metrics counts active jobs'), async (t) => {
    const {api} = await start(t);

    await api.request('PUT', '/v1/tasks/{name}', {body: {payload: 'task', schedule: {date: at('01:00:00')}, timeout: 10_000}, params: {name: 'mail'}});

    t.like(await api.request('POST', '/v1/tasks/{name}/pause', {params: {name: 'mail'}}), {body: {name: 'mail', paused: true}, status: 200});
    t.like(await api.request('GET', '/v1/tasks/{name}', {params: {name: 'mail'}}), {body: {paused: true}});
    t.like(await api.request('POST', '/v1/tasks/{name}/resume', {params: {name: 'mail'}}), {body: {name: 'mail', paused: false}, status: 200});
    t.like(await api.request('POST', '/v1/tasks/{name}/pause', {params: {name: 'missing'}}), {body: {code: 'UNKNOWN_TASK'}, status: 404});

    const later = await api.request('POST', '/v1/tasks/{name}/jobs', {body: {payload: {to: 'ada'}, runAt: at('00:00:30')}, params: {name: 'mail'}});

    t.like(later, {body: {kind: 'ONE_OFF', payload: {to: 'ada'}, runAt: at('00:00:30'), scheduledFor: at('00:00:30'), state: 'SCHEDULED', taskName: 'mail'}, status: 201});
    t.like(await api.request('POST', '/v1/tasks/{name}/jobs', {body: {}, params: {name: 'mail'}}), {body: {kind: 'ONE_OFF', payload: 'task', runAt: at('00:00:00')}, status: 201});
    t.like(await api.request('POST', '/v1/tasks/{name}/jobs', {body: {}, params: {name: 'missing'}}), {body: {code: 'UNKNOWN_TASK'}, status: 404});
    t.like(await api.request('POST', '/v1/tasks/{name}/jobs', {body: {runAt: 'someday'}, params: {name: 'mail'}}), {body: {code: 'INVALID_DATE', field: 'runAt'}, status: 400});

    const first = await api.request('GET', '/v1/jobs', {query: {limit: '2', taskName: 'mail'}});

    t.is(first.status, 200);
    t.deepEqual(first.body.jobs.map((job: {runAt: string}) => job.runAt), [at('01:00:00'), at('00:00:30')]);
    t.is(typeof first.body.nextCursor, 'string');

    const second = await api.request('GET', '/v1/jobs', {query: {after: first.body.nextCursor, limit: '2', taskName: 'mail'}});

    t.deepEqual(second.body.jobs.map((job: {runAt: string}) => job.runAt), [at('00:00:00')]);
    t.is(second.body.nextCursor, null);

    const ranged = await api.request('GET', '/v1/jobs', {query: {from: at('00:00:10'), states: 'SCHEDULED,WAITING', to: at('00:59:00')}});

    t.deepEqual(ranged.body.jobs.map((job: {id: number}) => job.id), [later.body.id]);
    t.deepEqual((await api.request('GET', '/v1/jobs', {query: {states: 'DONE'}})).body, {jobs: [], nextCursor: null});

    const taskPage = await api.request('GET', '/v1/tasks/{name}/jobs', {params: {name: 'mail'}, query: {limit: '1', states: 'SCHEDULED'}});

    t.is(taskPage.body.jobs.length, 1);
    t.is(typeof taskPage.body.nextCursor, 'string');
    t.is((await api.request('GET', '/v1/tasks/{name}/jobs', {params: {name: 'mail'}, query: {after: taskPage.body.nextCursor}})).body.jobs.length, 2);

    const metrics = await api.request('GET', '/metrics');

    t.regex(metrics.body, /^planton_jobs\{state="SCHEDULED",task="mail"\} 3$/mu);
    t.regex(metrics.body, /^planton_jobs\{state="RUNNING",task="mail"\} 0$/mu);
  });

  test(title('retry gives an ERROR job another attempt (409 for a job in another state); DELETE /v1/jobs prunes ended jobs by date or duration, state and task'), async (t) => {
    const {api, scheduler} = await start(t);

    await api.request('PUT', '/v1/tasks/{name}', {body: {retry: {attempts: 1}, schedule: {date: at('05:00:00')}, timeout: 10_000}, params: {name: 'flaky'}});
    scheduler.addProcessor('flaky', () => {
      throw new Error('no luck');
    });

    const a = await api.request('POST', '/v1/tasks/{name}/jobs', {body: {}, params: {name: 'flaky'}});
    const b = await api.request('POST', '/v1/tasks/{name}/jobs', {body: {}, params: {name: 'flaky'}});

    await until(async () => (await scheduler.listJobs({states: ['ERROR'], taskName: 'flaky'})).jobs.length === 2);
    // The retried job must wait, not run again here: this instance stops processing the task.
    scheduler.removeProcessor('flaky');

    t.like(await api.request('POST', '/v1/jobs/{id}/retry', {params: {id: a.body.id}}), {body: {attempt: 1, id: a.body.id, state: 'WAITING'}, status: 200});
    t.like(await api.request('POST', '/v1/jobs/{id}/retry', {params: {id: a.body.id}}), {body: {code: 'INVALID_JOB_STATE', jobId: a.body.id, state: 'WAITING'}, status: 409});
    t.like(await api.request('POST', '/v1/jobs/{id}/retry', {params: {id: 987_654}}), {body: {code: 'UNKNOWN_JOB'}, status: 404});

    // Both ended at 00:00, now: not before 1d ago; before 00:30 (the clock is left alone, so the retried job stays WAITING).
    t.like(await api.request('DELETE', '/v1/jobs', {query: {olderThan: '1d'}}), {body: {deleted: 0}, status: 200});
    t.like(await api.request('DELETE', '/v1/jobs', {query: {olderThan: at('00:30:00'), states: 'DONE,CANCELED'}}), {body: {deleted: 0}});
    t.like(await api.request('DELETE', '/v1/jobs', {query: {olderThan: at('00:30:00'), taskName: 'other'}}), {body: {deleted: 0}});
    t.like(await api.request('DELETE', '/v1/jobs', {query: {olderThan: at('00:30:00'), states: 'ERROR', taskName: 'flaky'}}), {body: {deleted: 1}, status: 200});
    t.like(await api.request('GET', '/v1/jobs/{id}', {params: {id: b.body.id}}), {body: {code: 'UNKNOWN_JOB'}, status: 404});
    t.like(await api.request('GET', '/v1/jobs/{id}', {params: {id: a.body.id}}), {body: {state: 'WAITING'}, status: 200});
  });

  test(title('GET /v1/jobs/:id/logs/stream sends the job, then each log entry as an event, then `end` with the final state, and ends; Last-Event-ID resumes; close() ends open streams; an unknown job is 404'), async (t) => {
    const {api, clock, scheduler, server} = await start(t, {logStreamInterval: 20});
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });

    await api.request('PUT', '/v1/tasks/{name}', {body: {schedule: {date: at('00:01:00')}, timeout: 60_000}, params: {name: 'follow'}});
    scheduler.addProcessor('follow', async (job) => {
      await job.log('one');
      await gate;
      await job.log('two');
      await job.progress(0.5, 'half');
    });

    const {id} = (await scheduler.listJobs({taskName: 'follow'})).jobs[0] as {id: number};

    await clock.advance(MINUTE);
    await until(async () => (await scheduler.getJobLogs(id)).length === 1);

    const stream = await openEventStream(`${api.url}/v1/jobs/${id}/logs/stream`);

    t.is(stream.response.status, 200);
    t.regex(stream.response.headers.get('content-type') ?? '', /^text\/event-stream/u);
    await until(() => stream.events.length === 2);
    t.like(stream.events, [{data: {id, progress: null, state: 'RUNNING'}, event: 'job', id: null}, {event: 'log', id: '0'}]);
    release();
    await stream.ended;

    // `job` again whenever a read finds it changed (its progress, here), which depends on when the reads fall.
    t.true(stream.events.filter(({event}) => event === 'job').every(({data}) => data.id === id && data.state === 'RUNNING'));
    t.like(stream.events.filter(({event}) => event !== 'job'), [
      {data: {attempt: 1, message: 'one'}, event: 'log', id: '0'},
      {data: {message: 'two'}, event: 'log', id: '1'},
      {data: {message: null, progress: 0.5, step: 'half'}, event: 'log', id: '2'},
      {data: {job: {id, state: 'DONE'}, state: 'DONE'}, event: 'end', id: null},
    ]);
    t.is(stream.events.filter(({event}) => event !== 'job').length, 4);

    const resumed = await openEventStream(`${api.url}/v1/jobs/${id}/logs/stream`, {'last-event-id': '1'});

    await resumed.ended;
    t.deepEqual(resumed.events.map((event) => event.id), ['2', null]);

    t.like(await api.request('GET', '/v1/jobs/{id}/logs/stream', {params: {id: 987_654}}), {body: {code: 'UNKNOWN_JOB'}, status: 404});

    const pending = await api.request('POST', '/v1/tasks/{name}/jobs', {body: {runAt: at('09:00:00')}, params: {name: 'follow'}});
    const open = await openEventStream(`${api.url}/v1/jobs/${pending.body.id}/logs/stream`);

    await until(() => open.events.length === 1);
    await server.close();
    await open.ended;
    t.like(open.events, [{data: {id: pending.body.id, state: 'SCHEDULED'}, event: 'job'}]);
    t.is(open.events.length, 1);
  });

  test(title('PUT of a task this server scheduled replaces it in place: an unchanged schedule keeps its pending job and pause, a changed one gets a new slot job'), async (t) => {
    const {api} = await start(t);
    const params = {name: 'digest'};
    const created = await api.request('PUT', '/v1/tasks/{name}', {body: {schedule: '0 6 * * *', timeout: 1000}, params});

    await api.request('POST', '/v1/tasks/{name}/pause', {params});

    const same = await api.request('PUT', '/v1/tasks/{name}', {body: {payload: {v: 2}, schedule: '0 6 * * *', timeout: 5000}, params});

    t.like(same, {body: {nextJob: {id: created.body.nextJob.id}, paused: true, payload: {v: 2}, timeout: 5000}, status: 200});

    await api.request('POST', '/v1/tasks/{name}/resume', {params});

    const changed = await api.request('PUT', '/v1/tasks/{name}', {body: {schedule: '0 7 * * *', timeout: 5000}, params});

    t.is(changed.status, 200);
    t.not(changed.body.nextJob.id, created.body.nextJob.id);
    t.is(changed.body.nextJob.date, at('07:00:00'));
    t.like(await api.request('GET', '/v1/jobs/{id}', {params: {id: created.body.nextJob.id}}), {body: {code: 'UNKNOWN_JOB'}, status: 404});
  });
};
