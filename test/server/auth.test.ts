/**
 * Bearer tokens and roles through real HTTP requests (on the memory store: who may do what does not
 * depend on the store). Every response, 401 and 403 included, is checked against /openapi.json.
 */
import test, {type ExecutionContext} from 'ava';
import {createMemorySchedulerStore} from '../../src/scheduler/index.ts';
import {type Api, startServer} from './helpers/startServer.ts';

const ADMIN = 'admin-token-0123456789';
const READ = 'read-token-0123456789ab';
const WORKER = 'worker-token-0123456789';

const tokens = [{role: 'admin', token: ADMIN}, {role: 'read', token: READ}, {role: 'worker', token: WORKER}] as const;

const TASK = {schedule: '0 3 * * *', timeout: 1000};

/** One request of every kind of the API, the task `t` and job 1 existing. */
const REQUESTS: ReadonlyArray<readonly [method: string, path: string, write: boolean, body?: unknown]> = [
  ['GET', '/v1/tasks', false],
  ['GET', '/v1/tasks/{name}', false],
  ['GET', '/v1/tasks/{name}/jobs', false],
  ['GET', '/v1/jobs/{id}', false],
  ['GET', '/v1/jobs/{id}/logs', false],
  ['GET', '/metrics', false],
  ['POST', '/v1/jobs/{id}/reschedule', true, {runAt: '2026-01-02T00:00:00Z'}],
  ['POST', '/v1/jobs/{id}/cancel', true],
  ['POST', '/v1/tasks/{name}/trigger', true],
  ['PUT', '/v1/tasks/{name}', true, TASK],
  ['DELETE', '/v1/tasks/{name}', true],
];

const start = async (t: ExecutionContext) => {
  const harness = await startServer(t, createMemorySchedulerStore(), {auth: {tokens}});

  t.like(await harness.api.request('PUT', '/v1/tasks/{name}', {body: TASK, params: {name: 't'}, token: ADMIN}), {status: 201});

  return harness;
};

const send = async (api: Api, [method, path, , body]: (typeof REQUESTS)[number], token?: string) => {
  return await api.request(method, path, {body, params: {id: 1, name: 't'}, token});
};

test('without a token every API route is 401 UNAUTHORIZED with WWW-Authenticate: Bearer', async (t) => {
  const {api} = await start(t);

  for (const request of REQUESTS) {
    const response = await send(api, request);

    t.like(response, {body: {code: 'UNAUTHORIZED'}, status: 401}, `${request[0]} ${request[1]}`);
    t.is(response.headers.get('www-authenticate'), 'Bearer');
  }
});

test('a bad token, or another scheme, is 401 UNAUTHORIZED', async (t) => {
  const {api} = await start(t);

  t.like(await send(api, REQUESTS[0]!, 'not-a-known-token-at-all'), {body: {code: 'UNAUTHORIZED', message: 'The bearer token is not valid.'}, status: 401});
  t.like(await api.request('GET', '/v1/tasks', {headers: {authorization: `Basic ${ADMIN}`}}), {body: {code: 'UNAUTHORIZED'}, status: 401});
  t.like(await api.request('GET', '/v1/tasks', {headers: {authorization: `Bearer ${ADMIN} extra`}}), {body: {code: 'UNAUTHORIZED'}, status: 401});
});

test('a read token may GET every route (metrics included) and gets 403 FORBIDDEN on every PUT, POST and DELETE', async (t) => {
  const {api} = await start(t);

  for (const request of REQUESTS) {
    const response = await send(api, request, READ);

    if (request[2]) {
      t.like(response, {body: {code: 'FORBIDDEN', role: 'read'}, status: 403}, `${request[0]} ${request[1]}`);
    } else {
      t.is(response.status, 200, `${request[0]} ${request[1]}`);
    }
  }

  t.like(await api.request('GET', '/v1/tasks/{name}', {params: {name: 't'}, token: ADMIN}), {body: {name: 't'}, status: 200}, 'the task is still there');
});

test('a worker token cannot use any HTTP API route (403 FORBIDDEN)', async (t) => {
  const {api} = await start(t);

  for (const request of REQUESTS) {
    t.like(await send(api, request, WORKER), {body: {code: 'FORBIDDEN', role: 'worker'}, status: 403}, `${request[0]} ${request[1]}`);
  }
});

test('an admin token may use every route', async (t) => {
  const {api} = await start(t);
  const statuses = [];

  for (const request of REQUESTS) {
    statuses.push((await send(api, request, ADMIN)).status);
  }

  // Trigger is accepted (202), PUT replaces (200), DELETE unschedules (204).
  t.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 200, 202, 200, 204]);
});

test('/health, /ready and /openapi.json need no token', async (t) => {
  const {api} = await start(t);

  t.like(await api.request('GET', '/health'), {body: {status: 'ok'}, status: 200});
  t.like(await api.request('GET', '/ready'), {body: {status: 'ready'}, status: 200});

  const response = await fetch(`${api.url}/openapi.json`);

  t.is(response.status, 200);
  t.like(await response.json(), {info: {title: 'Planton'}, openapi: '3.1.0'});
});

test('the rate limit counts per token: an admin over its limit gets 429 RATE_LIMITED with Retry-After, a read token still passes', async (t) => {
  const {api} = await startServer(t, createMemorySchedulerStore(), {auth: {tokens}, rateLimit: {max: 3, timeWindow: 60_000}});

  for (let request = 1; request <= 3; request++) {
    t.is((await api.request('GET', '/v1/tasks', {token: ADMIN})).status, 200);
  }

  const limited = await api.request('GET', '/v1/tasks', {token: ADMIN});

  t.like(limited, {body: {code: 'RATE_LIMITED'}, status: 429});
  t.true(limited.body.retryAfter > 0 && limited.body.retryAfter <= 60_000);
  t.truthy(limited.headers.get('retry-after'));
  t.is((await api.request('GET', '/v1/tasks', {token: READ})).status, 200);
  t.is((await api.request('GET', '/health')).status, 200, 'probes are not limited');
});

test('the token never reaches the request log, whatever the outcome', async (t) => {
  const lines: string[] = [];
  const {api} = await startServer(t, createMemorySchedulerStore(), {auth: {tokens}, logger: {level: 'trace', stream: {write: (line) => lines.push(line)}}});

  await api.request('PUT', '/v1/tasks/{name}', {body: TASK, params: {name: 'logged'}, token: ADMIN});
  await api.request('GET', '/v1/tasks', {token: READ});
  await api.request('DELETE', '/v1/tasks/{name}', {params: {name: 'logged'}, token: READ});
  await api.request('GET', '/v1/tasks', {token: 'wrong-token-0123456789'});
  await api.request('GET', '/v1/tasks', {headers: {authorization: `Basic ${WORKER}`}});

  t.true(lines.length >= 10, `${lines.length} log lines`);
  t.true(lines.some((line) => line.includes('/v1/tasks')));

  for (const secret of [ADMIN, READ, WORKER, 'wrong-token-0123456789']) {
    t.false(lines.some((line) => line.includes(secret)), secret);
  }
});
