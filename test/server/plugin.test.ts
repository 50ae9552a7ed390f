/**
 * Planton mounted into a user's own server: `createPlantonPlugin` registered under a prefix of a
 * Fastify app that has routes of its own, and `createPlantonHandler` behind a plain `node:http`
 * server. Planton's auth, error format and parsers stay under the prefix; the app's routes keep theirs.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {createServer as createHttpServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import Fastify from 'fastify';
import {createMemorySchedulerStore, createScheduler} from '../../src/scheduler/index.ts';
import {createPlantonHandler, createPlantonPlugin, type ServerToken} from '../../src/server/index.ts';
import {withDeadline} from '../helpers/withDeadline.ts';
import {connectRawClient} from './helpers/connectRawClient.ts';
import {openEventStream} from './helpers/openEventStream.ts';

const ADMIN = 'admin-token-0123456789';
const READ = 'read-token-0123456789ab';
const WORKER = 'worker-token-0123456789';
const tokens: readonly ServerToken[] = [{name: 'alice', role: 'admin', token: ADMIN}, {name: 'grafana', role: 'read', token: READ}, {name: 'edge', role: 'worker', token: WORKER}];

type Teardown = {readonly teardown: (callback: () => Promise<void> | void) => void};

const createSchedulerForTest = async (t: Teardown) => {
  const scheduler = await createScheduler({store: createMemorySchedulerStore(), syncInterval: 0});

  t.teardown(async () => {
    await scheduler.terminate();
  });

  return scheduler;
};

/** A folder with a page in it, as `npm run build` makes (removed at teardown). */
const createAssets = (t: Teardown): string => {
  const directory = mkdtempSync(join(tmpdir(), 'planton-plugin-assets-'));

  writeFileSync(join(directory, 'index.html'), '<!doctype html><title>Planton</title>');
  t.teardown(() => {
    rmSync(directory, {force: true, recursive: true});
  });

  return directory;
};

const call = async (url: string, {body, headers = {}, method = 'GET', token}: {readonly body?: string; readonly headers?: Record<string, string>; readonly method?: string; readonly token?: string} = {}) => {
  const response = await fetch(url, {body, headers: {...token === undefined ? {} : {authorization: `Bearer ${token}`}, ...headers}, method, redirect: 'manual'});
  const text = await response.text();

  return {body: text.startsWith('{') ? JSON.parse(text) as Record<string, unknown> : text, headers: response.headers, status: response.status};
};

/** The user's app: a route of its own, one that fails, one that takes text, and Planton under `/planton`. */
const startMountedApp = async (t: Teardown) => {
  const scheduler = await createSchedulerForTest(t);
  const app = Fastify();

  app.get('/hello', async () => ({hello: 'world'}));
  app.get('/broken', async () => {
    throw Object.assign(new Error('teapot'), {statusCode: 418});
  });
  app.post('/echo', async (request) => ({received: request.body}));

  const planton = createPlantonPlugin({auth: {tokens}, dashboard: {assetsDirectory: createAssets(t)}, logStreamInterval: 20, scheduler});

  await app.register(planton, {prefix: '/planton'});

  const url = await app.listen({host: '127.0.0.1', port: 0});

  t.teardown(async () => {
    await app.close();
  });

  return {app, planton, scheduler, url};
};

test('mounted under /planton, the app\'s own routes answer without a token, and their errors, 404 and text bodies keep Fastify\'s format', async (t) => {
  const {url} = await startMountedApp(t);

  t.deepEqual(await call(`${url}/hello`).then(({body, status}) => ({body, status})), {body: {hello: 'world'}, status: 200});
  t.like(await call(`${url}/broken`), {body: {error: 'I\'m a Teapot', message: 'teapot', statusCode: 418}, status: 418});
  t.like(await call(`${url}/missing`), {body: {error: 'Not Found', message: 'Route GET:/missing not found', statusCode: 404}, status: 404});
  // Planton refuses text/plain bodies on its routes; the app's parser stays.
  t.like(await call(`${url}/echo`, {body: 'plain', headers: {'content-type': 'text/plain'}, method: 'POST'}), {body: {received: 'plain'}, status: 200});
});

test('mounted under /planton, its API needs a token: 401 without, 200 with read; read may not change a task (403), admin may', async (t) => {
  const {url} = await startMountedApp(t);
  const task = JSON.stringify({schedule: '0 3 * * *', timeout: 60_000});
  const json = {'content-type': 'application/json'};

  t.like(await call(`${url}/planton/v1/tasks`), {body: {code: 'UNAUTHORIZED'}, status: 401});
  t.like(await call(`${url}/planton/v1/tasks`, {token: READ}), {body: {tasks: []}, status: 200});
  t.like(await call(`${url}/planton/v1/tasks/nightly`, {body: task, headers: json, method: 'PUT', token: READ}), {body: {code: 'FORBIDDEN'}, status: 403});
  t.like(await call(`${url}/planton/v1/tasks/nightly`, {body: task, headers: json, method: 'PUT', token: ADMIN}), {body: {name: 'nightly'}, status: 201});
  t.like(await call(`${url}/planton/v1/tasks/nightly/pause`, {method: 'POST', token: READ}), {status: 403});
  t.like(await call(`${url}/planton/v1/tasks/nightly/pause`, {method: 'POST', token: ADMIN}), {body: {name: 'nightly', paused: true}, status: 200});
  // Planton's own strictness, whatever the app's Ajv options: no coercion of a number into a string.
  t.like(await call(`${url}/planton/v1/tasks/other`, {body: JSON.stringify({schedule: 5, timeout: 1000}), headers: json, method: 'PUT', token: ADMIN}), {body: {code: 'INVALID_REQUEST'}, status: 400});
  t.like(await call(`${url}/planton/nothing-here`), {body: {code: 'ROUTE_NOT_FOUND', message: 'No route GET /planton/nothing-here.'}, status: 404});
  t.like(await call(`${url}/planton/health`), {body: {status: 'ok'}, status: 200});
});

test('mounted under /planton, the dashboard is at /planton/ (/planton redirects there) and its session cookie is for /planton only', async (t) => {
  const {url} = await startMountedApp(t);
  const page = await call(`${url}/planton/`);

  t.is(page.status, 200);
  t.regex(String(page.body), /<title>Planton<\/title>/u);
  t.regex(page.headers.get('content-security-policy') ?? '', /default-src 'self'/u);
  t.like(await call(`${url}/planton?x=1`), {status: 308});
  t.is((await call(`${url}/planton`)).headers.get('location'), '/planton/');

  const signIn = await call(`${url}/planton/dashboard/session`, {body: JSON.stringify({token: READ}), headers: {'content-type': 'application/json'}, method: 'POST'});

  t.like(signIn, {body: {name: 'grafana', role: 'read'}, status: 201});
  t.regex(signIn.headers.get('set-cookie') ?? '', /^planton_session=[^;]+; Path=\/planton; HttpOnly; SameSite=Strict; Max-Age=\d+$/u);

  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

  t.like(await call(`${url}/planton/v1/overview`, {headers: {cookie}}), {status: 200});
});

test('the app\'s close() closes Planton within a bound: an open log stream ends, and the same plugin cannot be registered twice', async (t) => {
  const {app, planton, scheduler, url} = await startMountedApp(t);

  await scheduler.schedule({name: 'later', schedule: {date: new Date(Date.now() + 3_600_000)}, timeout: 1000});

  const {id} = (await scheduler.listJobs({taskName: 'later'})).jobs[0] as {id: number};
  const stream = await openEventStream(`${url}/planton/v1/jobs/${id}/logs/stream`, {authorization: `Bearer ${READ}`});

  t.is(stream.response.status, 200);
  await withDeadline(app.close(), 'app.close() with a log stream open', 10_000);
  await withDeadline(stream.ended, 'the stream to end', 10_000);
  // The job as it was when the stream opened, then no `end`: the server closing cut the stream.
  t.deepEqual(stream.events.map(({event}) => event), ['job']);
  t.is(planton.workerHub.listWorkers().length, 0);

  const other = Fastify();

  await t.throwsAsync(other.register(planton, {prefix: '/again'}).ready(), {code: 'PLUGIN_ALREADY_REGISTERED'});
  await other.close();
});

test('createPlantonHandler serves Planton from a plain node:http server under its prefix; the server\'s other paths stay its own', async (t) => {
  const scheduler = await createSchedulerForTest(t);
  const handler = createPlantonHandler({auth: {tokens}, dashboard: false, prefix: '/planton', scheduler});
  const server = createHttpServer((request, response) => {
    if (request.url === '/planton' || request.url?.startsWith('/planton/') === true) {
      handler(request, response);
    } else {
      response.end('mine');
    }
  });

  server.on('upgrade', handler.upgrade);
  t.teardown(() => {
    server.closeAllConnections();
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  t.teardown(async () => {
    await handler.close();
    await new Promise((resolve) => {
      server.close(resolve);
    });
  });

  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  t.like(await call(`${url}/other`), {body: 'mine', status: 200});
  t.like(await call(`${url}/planton/v1/tasks`), {body: {code: 'UNAUTHORIZED'}, status: 401});
  t.like(await call(`${url}/planton/v1/tasks`, {token: READ}), {body: {tasks: []}, status: 200});
  t.like(await call(`${url}/planton/health`), {body: {status: 'ok'}, status: 200});

  // The server's upgrades, handed over, connect remote workers.
  const worker = await connectRawClient(`${url.replace('http', 'ws')}/planton/v1/workers`, WORKER);

  t.like(await worker.hello({tasks: ['import']}), {type: 'welcome'});
  t.is(handler.workerHub.listWorkers().length, 1);
  await withDeadline(handler.close(), 'handler.close()', 10_000);
  // The HTTP server is the caller's: it still answers, and Planton's paths say it is closed.
  t.like(await call(`${url}/planton/health`), {body: {code: 'SERVER_CLOSING'}, status: 503});
  t.like(await call(`${url}/other`), {body: 'mine', status: 200});
});

test('in an app that registered @fastify/websocket and @fastify/swagger itself, Planton uses them: workers connect under the prefix, the app\'s document lists Planton\'s routes', async (t) => {
  const scheduler = await createSchedulerForTest(t);
  const app = Fastify();

  await app.register(fastifyWebsocket);
  await app.register(fastifySwagger, {openapi: {info: {title: 'Mine', version: '1'}}});
  app.get('/hello', async () => ({hello: 'world'}));

  const planton = createPlantonPlugin({auth: {tokens}, dashboard: false, scheduler});

  await app.register(planton, {prefix: '/planton'});

  const url = await app.listen({host: '127.0.0.1', port: 0});

  t.teardown(async () => {
    await app.close();
  });

  const worker = await connectRawClient(`${url.replace('http', 'ws')}/planton/v1/workers`, WORKER);

  t.like(await worker.hello({tasks: ['import']}), {type: 'welcome'});
  t.is(planton.workerHub.listWorkers().length, 1);

  const document = await planton.openapi() as {readonly info: {readonly title: string}; readonly paths: Record<string, unknown>};

  t.is(document.info.title, 'Mine');
  t.true('/planton/v1/tasks' in document.paths);
  t.true('/hello' in document.paths);
  await withDeadline(app.close(), 'app.close() with a worker connected', 10_000);
  t.is(await withDeadline(worker.closed, 'the worker\'s socket to close', 10_000) > 0, true);
});
