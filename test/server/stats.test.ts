/**
 * `GET /v1/stats` and the `stats` of `GET /v1/overview` through real HTTP requests on the memory
 * store: jobs ended at known times are counted per task and bucket. Each response is checked
 * against the server's OpenAPI document.
 */
import test, {type ExecutionContext} from 'ava';
import {createMemorySchedulerStore} from '../../src/scheduler/index.ts';
import {runEndedJob, saveStoredTask} from '../../src/testing/scheduler/helpers.ts';
import {START, startServer} from './helpers/startServer.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const READ = 'read-token-0123456789ab';
const iso = (time: number) => new Date(time).toISOString();

/** 3 of 4 jobs of `nightly` succeeded two hours before START (lasting 1, 2, 3 and 4 s), 1 of `hourly` failed an hour before it. */
const start = async (t: ExecutionContext) => {
  const store = createMemorySchedulerStore();

  await saveStoredTask(store, 'nightly', START - 3 * HOUR);
  await saveStoredTask(store, 'hourly', START - 3 * HOUR);

  for (const [index, state] of (['DONE', 'DONE', 'ERROR', 'DONE'] as const).entries()) {
    const startedAt = START - 2 * HOUR + index * MINUTE;

    await runEndedJob(store, {endedAt: startedAt + (index + 1) * 1_000, startedAt, state, taskName: 'nightly'});
  }

  await runEndedJob(store, {endedAt: START - HOUR + 500, startedAt: START - HOUR, state: 'ERROR', taskName: 'hourly'});

  return await startServer(t, store, {auth: {tokens: [{role: 'read', token: READ}]}});
};

const nightly = {buckets: [{averageDuration: 2_500, failed: 1, maxDuration: 4_000, start: iso(START - 2 * HOUR), succeeded: 3}], name: 'nightly'};
const hourly = {buckets: [{averageDuration: 500, failed: 1, maxDuration: 500, start: iso(START - HOUR), succeeded: 0}], name: 'hourly'};

test('`GET /v1/stats` counts the jobs that ended per task and hour of the 24 hours up to the end of this hour, for a read token', async (t) => {
  const {api} = await start(t);
  const {body, status} = await api.request('GET', '/v1/stats', {token: READ});

  t.is(status, 200);
  t.deepEqual(body, {bucketSize: HOUR, from: iso(START - 23 * HOUR), tasks: [hourly, nightly], to: iso(START + HOUR)});
});

test('`GET /v1/stats` takes a task, a range and a bucket size (milliseconds or a duration)', async (t) => {
  const {api} = await start(t);
  const query = {from: iso(START - 2 * HOUR), taskName: 'nightly', to: iso(START)};
  const halfHours = await api.request('GET', '/v1/stats', {query: {...query, bucketSize: '30m'}, token: READ});

  t.deepEqual(halfHours.body, {bucketSize: 30 * MINUTE, from: query.from, tasks: [nightly], to: query.to});

  const minutes = await api.request('GET', '/v1/stats', {query: {...query, bucketSize: String(2 * MINUTE)}, token: READ});

  t.deepEqual(minutes.body.tasks, [{
    buckets: [
      {averageDuration: 1_500, failed: 0, maxDuration: 2_000, start: iso(START - 2 * HOUR), succeeded: 2},
      {averageDuration: 3_500, failed: 1, maxDuration: 4_000, start: iso(START - 2 * HOUR + 2 * MINUTE), succeeded: 1},
    ],
    name: 'nightly',
  }]);
  t.deepEqual((await api.request('GET', '/v1/stats', {query: {taskName: 'none'}, token: READ})).body.tasks, []);
});

test('`GET /v1/stats` answers 400 with the option at fault', async (t) => {
  const {api} = await start(t);

  t.like(await api.request('GET', '/v1/stats', {query: {bucketSize: '1m'}, token: READ}), {body: {code: 'INVALID_ARGUMENT', field: 'bucketSize'}, status: 400});
  t.like(await api.request('GET', '/v1/stats', {query: {bucketSize: '0'}, token: READ}), {body: {code: 'INVALID_ARGUMENT', field: 'bucketSize'}, status: 400});
  t.like(await api.request('GET', '/v1/stats', {query: {from: 'yesterday'}, token: READ}), {body: {code: 'INVALID_DATE', field: 'from'}, status: 400});
  t.like(await api.request('GET', '/v1/stats', {query: {from: iso(START), to: iso(START - HOUR)}, token: READ}), {body: {code: 'INVALID_ARGUMENT', field: 'from'}, status: 400});
  t.like(await api.request('GET', '/v1/stats', {query: {limit: '5'}, token: READ}), {status: 400});
});

test('`GET /v1/overview` carries the stats of the last 24 hours, as `GET /v1/stats` answers them', async (t) => {
  const {api} = await start(t);
  const overview = await api.request('GET', '/v1/overview', {token: READ});

  t.is(overview.status, 200);
  t.deepEqual(overview.body.stats, (await api.request('GET', '/v1/stats', {token: READ})).body);
  t.deepEqual(overview.body.stats.tasks, [hourly, nightly]);
});
