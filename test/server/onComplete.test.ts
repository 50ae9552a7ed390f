/**
 * forerunner's `onComplete(taskName, (jobId, result) => …)`: on a listening server (PGlite) for a job
 * a real `connectWorker` client ran over the socket, and on the scheduler for jobs run in process;
 * the result is the one stored with the job, and a listener that throws or rejects is an `error`
 * event (`COMPLETION_LISTENER_FAILED`) that changes nothing else.
 */
import test, {type ExecutionContext} from 'ava';
import {connectWorker} from '../../src/client/index.ts';
import {createMemorySchedulerStore, createScheduler, type SchedulerEvents} from '../../src/scheduler/index.ts';
import {createManualClock} from '../helpers/createManualClock.ts';
import {until} from '../helpers/until.ts';
import {createPgliteStores} from '../scheduler/helpers/postgresStores.ts';
import {START, startServer} from './helpers/startServer.ts';

const SECOND = 1_000;
const createStore = createPgliteStores();
const TOKENS = {admin: 'admin-token-0123456789', worker: 'worker-token-0123456789'};
const auth = {tokens: [{name: 'ops', role: 'admin' as const, token: TOKENS.admin}, {name: 'fleet', role: 'worker' as const, token: TOKENS.worker}]};

const startInProcess = async (t: ExecutionContext) => {
  const clock = createManualClock(START);
  const scheduler = await createScheduler({clock, store: createMemorySchedulerStore(), syncInterval: 0, terminateTimeout: 0});
  const errors: Array<SchedulerEvents['error']> = [];

  scheduler.events.on('error', (payload) => {
    errors.push(payload);
  });
  t.teardown(async () => {
    await scheduler.terminate();
  });

  return {clock, errors, scheduler};
};

test('server.onComplete gets the id and the stored result of a job a remote worker completed; GET /v1/jobs/:id shows the result', async (t) => {
  const {cleanup, store} = await createStore();

  t.teardown(async () => {
    await cleanup?.();
  });

  const h = await startServer(t, store, {auth, defaultMetrics: false});

  await h.scheduler.schedule({name: 'ping', schedule: {date: new Date(START + 60 * SECOND)}, timeout: 30 * SECOND});
  await h.scheduler.schedule({name: 'other', schedule: {date: new Date(START + 60 * SECOND)}, timeout: 30 * SECOND});

  const completed: Array<{readonly jobId: number; readonly result: unknown}> = [];

  h.server.onComplete('ping', (jobId, result) => {
    completed.push({jobId, result});
  });

  const worker = connectWorker({name: 'forerunner-worker', reconnectDelay: {initialDelay: 20, maxDelay: 200}, token: TOKENS.worker, url: `${h.api.url}/v1/workers`});

  t.teardown(async () => {
    await worker.close();
  });
  worker.processor('ping', async (job) => ({echo: job.payload, pong: true}));
  worker.processor('other', async () => 'not ping');

  await until(() => h.server.workerHub.listWorkers()[0]?.tasks.length === 2);

  const assigned = await h.scheduler.runTask('ping', {payload: {foo: 'bar'}});

  await h.scheduler.runTask('other');
  await h.clock.advance(0);
  await until(() => completed.length === 1);
  await until(async () => (await h.scheduler.listJobs({states: ['DONE']})).jobs.length === 2);

  t.deepEqual(completed, [{jobId: assigned.id, result: {echo: {foo: 'bar'}, pong: true}}], 'called once, for the task it was given, not for `other`');

  const response = await h.api.request('GET', '/v1/jobs/{id}', {params: {id: assigned.id}, token: TOKENS.admin});

  t.like(response.body, {result: {echo: {foo: 'bar'}, pong: true}, state: 'DONE'});
});

test('in process: onComplete gets the result as stored (a Date as its ISO string), only for DONE jobs; removing a listener stops it', async (t) => {
  const {clock, scheduler} = await startInProcess(t);
  const completed: Array<{readonly jobId: number; readonly result: unknown}> = [];
  const removed: number[] = [];

  await scheduler.schedule({name: 'archive', retry: {attempts: 1}, schedule: {date: new Date(START + 60 * SECOND)}, timeout: 30 * SECOND});

  scheduler.onComplete('archive', (jobId, result) => {
    completed.push({jobId, result});
  });

  const remove = scheduler.onComplete('archive', (jobId) => {
    removed.push(jobId);
  });

  scheduler.addProcessor('archive', async (job) => {
    if (job.payload === 'fail') {
      throw new Error('disk full');
    }

    return {at: new Date(START), files: 3, skipped: undefined};
  });

  const first = await scheduler.runTask('archive');

  await clock.advance(0);
  await until(async () => (await scheduler.getJob(first.id))?.state === 'DONE');
  remove();
  remove();

  const failing = await scheduler.runTask('archive', {payload: 'fail'});
  const second = await scheduler.runTask('archive');

  await clock.advance(0);
  await until(async () => (await scheduler.getJob(second.id))?.state === 'DONE' && (await scheduler.getJob(failing.id))?.state === 'ERROR');

  const expected = {at: new Date(START).toISOString(), files: 3};

  t.deepEqual(completed, [{jobId: first.id, result: expected}, {jobId: second.id, result: expected}]);
  t.deepEqual(removed, [first.id], 'the removed listener saw only the first job');
  t.deepEqual((await scheduler.getJob(second.id))?.result, expected);
  t.is((await scheduler.getJob(failing.id))?.result, null);
});

test('in process: a listener that throws and one that rejects are `error` events (COMPLETION_LISTENER_FAILED); the job stays DONE and the next listener runs', async (t) => {
  const {clock, errors, scheduler} = await startInProcess(t);
  const completed: number[] = [];

  await scheduler.schedule({name: 'ping', schedule: {date: new Date(START + 60 * SECOND)}, timeout: 30 * SECOND});
  scheduler.onComplete('ping', () => {
    throw new Error('listener broke');
  });
  scheduler.onComplete('ping', async () => {
    throw new Error('async listener broke');
  });
  scheduler.onComplete('ping', (jobId) => {
    completed.push(jobId);
  });
  scheduler.addProcessor('ping', () => 'pong');

  const job = await scheduler.runTask('ping');

  await clock.advance(0);
  await until(() => errors.length === 2);

  t.deepEqual(completed, [job.id]);
  t.like(await scheduler.getJob(job.id), {result: 'pong', state: 'DONE'});
  t.like(errors.find(({error}) => (error.cause as Error).message === 'listener broke'), {error: {code: 'COMPLETION_LISTENER_FAILED', jobId: job.id, taskName: 'ping'}, taskName: 'ping'});
  t.like(errors.find(({error}) => (error.cause as Error).message === 'async listener broke'), {error: {code: 'COMPLETION_LISTENER_FAILED', jobId: job.id}});

  // The scheduler goes on: a second job completes and is announced.
  const next = await scheduler.runTask('ping');

  await clock.advance(0);
  await until(() => completed.length === 2);
  t.is(completed[1], next.id);
});

test('in process: a result JSON cannot hold leaves the job DONE with result null, reported as UNSTORABLE_JOB_RESULT; onComplete gets null', async (t) => {
  const {clock, errors, scheduler} = await startInProcess(t);
  const completed: unknown[] = [];

  await scheduler.schedule({name: 'count', schedule: {date: new Date(START + 60 * SECOND)}, timeout: 30 * SECOND});
  scheduler.onComplete('count', (_jobId, result) => {
    completed.push(result);
  });
  scheduler.addProcessor('count', () => ({rows: [1n]}));

  const job = await scheduler.runTask('count');

  await clock.advance(0);
  await until(() => completed.length === 1);

  t.deepEqual(completed, [null]);
  t.like(await scheduler.getJob(job.id), {result: null, state: 'DONE'});
  t.like(errors[0], {error: {code: 'UNSTORABLE_JOB_RESULT', jobId: job.id, path: 'result.rows[0]'}, taskName: 'count'});
});

test('onComplete refuses a listener that is not a function and a task name that is not a string (INVALID_ARGUMENT)', async (t) => {
  const {scheduler} = await startInProcess(t);

  t.like(t.throws(() => scheduler.onComplete('ping', 'nope' as never)), {code: 'INVALID_ARGUMENT', option: 'listener'});
  t.like(t.throws(() => scheduler.onComplete(42 as never, () => undefined)), {code: 'INVALID_ARGUMENT', option: 'taskName'});
});
