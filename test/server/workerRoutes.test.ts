/**
 * The worker hub mounted in createServer: a real `connectWorker` client on `/v1/workers` of a
 * listening server (ephemeral port, PGlite) runs a scheduled job; tokens of other roles and no
 * token are refused at the upgrade; `GET /v1/workers` and `/metrics` show the connected client.
 */
import test, {type ExecutionContext} from 'ava';
import WebSocket from 'ws';
import {connectWorker} from '../../src/client/index.ts';
import {until} from '../helpers/until.ts';
import {createPgliteStores} from '../scheduler/helpers/postgresStores.ts';
import {START, startServer} from './helpers/startServer.ts';

const SECOND = 1_000;
const createStore = createPgliteStores();
const TOKENS = {
  admin: 'admin-token-0123456789',
  read: 'read-token-0123456789',
  worker: 'worker-token-0123456789',
};
const auth = {tokens: [{name: 'ops', role: 'admin' as const, token: TOKENS.admin}, {role: 'read' as const, token: TOKENS.read}, {name: 'fleet', role: 'worker' as const, token: TOKENS.worker}]};

const start = async (t: ExecutionContext) => {
  const {cleanup, store} = await createStore();

  t.teardown(async () => {
    await cleanup?.();
  });

  return await startServer(t, store, {auth, defaultMetrics: false});
};

/** The HTTP status with which the server answers a WebSocket upgrade of `/v1/workers` (101 when it accepts it). */
const upgradeStatus = async (url: string, token?: string): Promise<number> => {
  const socket = new WebSocket(`${url.replace(/^http/u, 'ws')}/v1/workers`, {headers: token === undefined ? {} : {authorization: `Bearer ${token}`}});

  return await new Promise<number>((resolve, reject) => {
    socket.once('unexpected-response', (_request, response) => {
      socket.terminate();
      resolve(response.statusCode ?? 0);
    });
    socket.once('open', () => {
      socket.terminate();
      resolve(101);
    });
    socket.once('error', reject);
  });
};

test('a connectWorker client with a worker token connects to /v1/workers and runs a scheduled job; GET /v1/workers and /metrics show it', async (t) => {
  const h = await start(t);

  await h.scheduler.schedule({name: 'remote', payload: {table: 'users'}, schedule: {date: new Date(START)}, timeout: 30 * SECOND});

  const worker = connectWorker({concurrency: 2, name: 'test-worker', reconnectDelay: {initialDelay: 20, maxDelay: 200}, token: TOKENS.worker, url: `${h.api.url}/v1/workers`});
  const payloads: unknown[] = [];
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });

  t.teardown(async () => {
    await worker.close();
  });
  worker.processor('remote', async (job) => {
    payloads.push(job.payload);
    await released;

    return {rows: 3};
  });

  const connected = await new Promise<boolean>((resolve) => {
    worker.events.once('connect', ({resumed}) => {
      resolve(resumed);
    });
  });

  t.false(connected);
  await until(() => h.server.workerHub.listWorkers().length === 1);
  await h.clock.advance(0);
  await until(() => payloads.length === 1);

  const listed = await h.api.request('GET', '/v1/workers', {token: TOKENS.read});

  t.is(listed.status, 200);
  t.like(listed.body.workers[0], {concurrency: 2, connected: true, load: 1, name: 'test-worker', tasks: ['remote'], tokenName: 'fleet'});
  t.like(listed.body.workers[0].jobs[0], {attempt: 1, taskName: 'remote'});
  t.false(Number.isNaN(Date.parse(listed.body.workers[0].lastSeenAt)));

  const metrics = await h.api.request('GET', '/metrics', {token: TOKENS.admin});

  t.regex(metrics.body as string, /^planton_connected_workers 1$/mu);

  const jobId = listed.body.workers[0].jobs[0].jobId as number;

  release();
  await until(async () => (await h.scheduler.getJob(jobId))?.state === 'DONE');
  t.deepEqual(payloads, [{table: 'users'}]);
  t.is((await h.api.request('GET', '/v1/workers', {token: TOKENS.admin})).body.workers[0].load, 0);
});

test('the upgrade of /v1/workers is refused with 401 without a token or with an unknown one, 403 with a read token; a worker or admin token is accepted', async (t) => {
  const h = await start(t);

  t.is(await upgradeStatus(h.api.url), 401);
  t.is(await upgradeStatus(h.api.url, 'unknown-token-0123456789'), 401);
  t.is(await upgradeStatus(h.api.url, TOKENS.read), 403);
  t.is(await upgradeStatus(h.api.url, TOKENS.worker), 101);
  t.is(await upgradeStatus(h.api.url, TOKENS.admin), 101);
  t.deepEqual(h.server.workerHub.listWorkers(), []);
});

test('GET /v1/workers needs a read or admin token: a worker token gets 403, none 401', async (t) => {
  const h = await start(t);

  t.like(await h.api.request('GET', '/v1/workers', {token: TOKENS.worker}), {body: {code: 'FORBIDDEN'}, status: 403});
  t.like(await h.api.request('GET', '/v1/workers'), {body: {code: 'UNAUTHORIZED'}, status: 401});
  t.deepEqual((await h.api.request('GET', '/v1/workers', {token: TOKENS.read})).body, {workers: []});
});

test('close() closes the hub before the server: a connected worker\'s socket closes and close() resolves', async (t) => {
  const h = await start(t);
  const worker = connectWorker({reconnectDelay: {initialDelay: 20, maxDelay: 200}, token: TOKENS.worker, url: `${h.api.url}/v1/workers`});

  t.teardown(async () => {
    await worker.close();
  });
  worker.processor('idle', () => undefined);

  await new Promise<void>((resolve) => {
    worker.events.once('connect', () => {
      resolve();
    });
  });

  const disconnected = new Promise<void>((resolve) => {
    worker.events.once('disconnect', () => {
      resolve();
    });
  });

  await h.server.close();
  await disconnected;
  t.deepEqual(h.server.workerHub.listWorkers(), []);
});
