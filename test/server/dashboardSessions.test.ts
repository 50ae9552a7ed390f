/**
 * The dashboard's side of the server, through real HTTP requests on the memory store: a token is
 * exchanged for a session cookie, the cookie authenticates `/v1`, a change made with it needs the
 * session's CSRF token, and the page's files are served with a strict Content-Security-Policy.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {createMemorySchedulerStore, createScheduler} from '../../src/scheduler/index.ts';
import {createServer, type ServerConfiguration} from '../../src/server/index.ts';
import {startServer} from './helpers/startServer.ts';

const ADMIN = 'admin-token-0123456789';
const READ = 'read-token-0123456789ab';
const WORKER = 'worker-token-0123456789';

const tokens = [{role: 'admin', token: ADMIN}, {role: 'read', token: READ}, {role: 'worker', token: WORKER}] as const;

const TASK = {schedule: '0 3 * * *', timeout: 1000};

/** A folder standing for the built assets (the real build is `npm run build`'s). */
const createAssets = (t: ExecutionContext): string => {
  const directory = mkdtempSync(join(tmpdir(), 'planton-dashboard-assets-'));

  writeFileSync(join(directory, 'index.html'), '<!doctype html><title>Planton</title>');
  writeFileSync(join(directory, 'app.js'), 'console.log(1);');
  t.teardown(() => {
    rmSync(directory, {force: true, recursive: true});
  });

  return directory;
};

const start = async (t: ExecutionContext, configuration: Omit<ServerConfiguration, 'scheduler'> = {}) => {
  return await startServer(t, createMemorySchedulerStore(), {auth: {tokens}, dashboard: {assetsDirectory: createAssets(t), sessionDuration: 60_000}, ...configuration});
};

/** Signs in with `token`: the cookie (`name=value`, as a browser sends it back) and the CSRF token. */
const signIn = async (harness: Awaited<ReturnType<typeof start>>, token: string) => {
  const response = await harness.api.request('POST', '/dashboard/session', {body: {token}});
  const setCookie = response.headers.get('set-cookie') ?? '';

  return {body: response.body as {csrfToken: string; role: string}, cookie: setCookie.split(';')[0] ?? '', response, setCookie};
};

test('a token is exchanged for an HttpOnly, SameSite=Strict session cookie that authenticates the API', async (t) => {
  const harness = await start(t);
  const {body, cookie, response, setCookie} = await signIn(harness, READ);

  t.is(response.status, 201);
  t.like(body, {anonymous: false, name: 'read-2', role: 'read'});
  t.regex(setCookie, /^planton_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=60$/u);
  t.false(setCookie.includes(READ));
  t.like(await harness.api.request('GET', '/v1/tasks', {headers: {cookie}}), {body: {tasks: []}, status: 200});
  t.like(await harness.api.request('GET', '/dashboard/session', {headers: {cookie}}), {body: {csrfToken: body.csrfToken, role: 'read'}, status: 200});
});

test('a change made with the session cookie needs the session\'s CSRF token', async (t) => {
  const harness = await start(t);
  const {body, cookie} = await signIn(harness, ADMIN);
  const put = async (headers: Record<string, string>) => await harness.api.request('PUT', '/v1/tasks/{name}', {body: TASK, headers: {cookie, ...headers}, params: {name: 't'}});

  t.like(await put({}), {body: {code: 'INVALID_CSRF_TOKEN'}, status: 403});
  t.like(await put({'x-planton-csrf': `${body.csrfToken.slice(1)}x`}), {body: {code: 'INVALID_CSRF_TOKEN'}, status: 403});
  t.like(await put({'x-planton-csrf': body.csrfToken}), {body: {name: 't'}, status: 201});
  // A bearer header needs no CSRF token: no browser sends one by itself.
  t.like(await harness.api.request('POST', '/v1/tasks/{name}/pause', {params: {name: 't'}, token: ADMIN}), {body: {paused: true}, status: 200});
});

test('a read session may not change anything, even with its CSRF token', async (t) => {
  const harness = await start(t);
  const {body, cookie} = await signIn(harness, READ);

  t.like(await harness.api.request('PUT', '/v1/tasks/{name}', {body: TASK, headers: {cookie, 'x-planton-csrf': body.csrfToken}, params: {name: 't'}}), {body: {code: 'FORBIDDEN', role: 'read'}, status: 403});
});

test('an unknown token gets no session, a worker token is refused, a forged or expired cookie is 401', async (t) => {
  const harness = await start(t);

  t.like(await harness.api.request('POST', '/dashboard/session', {body: {token: 'not-a-known-token-at-all'}}), {body: {code: 'UNAUTHORIZED'}, status: 401});
  t.like(await harness.api.request('POST', '/dashboard/session', {body: {token: WORKER}}), {body: {code: 'FORBIDDEN'}, status: 403});

  const {cookie} = await signIn(harness, READ);
  const [key, expiry, mac] = cookie.slice('planton_session='.length).split('.');

  // The expiry pushed forward without the key that signs it.
  const forged = `planton_session=${key}.${Number(expiry) + 3_600_000}.${mac}`;

  t.like(await harness.api.request('GET', '/v1/tasks', {headers: {cookie: forged}}), {body: {code: 'UNAUTHORIZED'}, status: 401});
  t.like(await harness.api.request('GET', '/v1/tasks', {headers: {cookie: 'planton_session=garbage'}}), {body: {code: 'UNAUTHORIZED'}, status: 401});

  harness.clock.jump(60_000);

  t.like(await harness.api.request('GET', '/v1/tasks', {headers: {cookie}}), {body: {code: 'UNAUTHORIZED'}, status: 401});
});

test('signing out removes the cookie', async (t) => {
  const harness = await start(t);
  const response = await harness.api.request('DELETE', '/dashboard/session');

  t.is(response.status, 204);
  t.regex(response.headers.get('set-cookie') ?? '', /^planton_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/u);
});

test('the page and its files are served without a token, with a strict Content-Security-Policy', async (t) => {
  const harness = await start(t);
  const page = await fetch(`${harness.api.url}/`);

  t.is(page.status, 200);
  t.is(page.headers.get('content-type'), 'text/html; charset=utf-8');
  t.regex(page.headers.get('content-security-policy') ?? '', /default-src 'self'/u);
  t.is(page.headers.get('x-frame-options'), 'DENY');
  t.is(await page.text(), '<!doctype html><title>Planton</title>');

  const script = await fetch(`${harness.api.url}/assets/app.js`);

  t.is(script.status, 200);
  t.is(script.headers.get('content-type'), 'text/javascript; charset=utf-8');

  for (const path of ['/assets/missing.js', '/assets/..%2Fpackage.json', '/assets/index.html']) {
    const response = await fetch(`${harness.api.url}${path}`);

    t.is(response.status, 404, path);
    t.like(await response.json(), {code: 'ROUTE_NOT_FOUND'}, path);
  }
});

test('without built assets the page answers 503 DASHBOARD_NOT_BUILT; `dashboard: false` serves none', async (t) => {
  const missing = await startServer(t, createMemorySchedulerStore(), {dashboard: {assetsDirectory: join(tmpdir(), 'planton-no-such-assets')}});
  const response = await fetch(`${missing.api.url}/`);

  t.is(response.status, 503);
  t.like(await response.json(), {code: 'DASHBOARD_NOT_BUILT'});

  // Without tokens everyone is the anonymous admin, which the page says instead of offering to sign out.
  t.like(await missing.api.request('GET', '/dashboard/session'), {body: {anonymous: true, name: 'anonymous', role: 'admin'}, status: 200});

  const off = await startServer(t, createMemorySchedulerStore(), {dashboard: false});

  t.is((await fetch(`${off.api.url}/`)).status, 404);
});

test('`GET /v1/overview` answers tasks, running jobs, failures and workers in one request', async (t) => {
  const harness = await start(t);

  await harness.api.request('PUT', '/v1/tasks/{name}', {body: TASK, params: {name: 'nightly'}, token: ADMIN});

  const {body, status} = await harness.api.request('GET', '/v1/overview', {token: READ});

  t.is(status, 200);
  t.deepEqual(body.tasks.map((task: {name: string}) => task.name), ['nightly']);
  t.deepEqual({failures: body.failures, running: body.running, workers: body.workers}, {failures: [], running: [], workers: []});
});

test('sign-in attempts count against the rate limit, per client address', async (t) => {
  const harness = await start(t, {rateLimit: {max: 2, timeWindow: 60_000}});

  t.like(await harness.api.request('POST', '/dashboard/session', {body: {token: 'guess-number-one-0000'}}), {status: 401});
  t.like(await harness.api.request('POST', '/dashboard/session', {body: {token: ADMIN}}), {status: 201});
  t.like(await harness.api.request('POST', '/dashboard/session', {body: {token: ADMIN}}), {body: {code: 'RATE_LIMITED'}, status: 429});
});

test('without a bearer token, a change that a browser sent from another site is refused, tokens or not', async (t) => {
  const open = await startServer(t, createMemorySchedulerStore(), {dashboard: false});

  t.like(await open.api.request('PUT', '/v1/tasks/{name}', {body: TASK, params: {name: 't'}}), {status: 201});

  for (const site of ['cross-site', 'same-site']) {
    t.like(await open.api.request('POST', '/v1/tasks/{name}/pause', {headers: {'sec-fetch-site': site}, params: {name: 't'}}), {body: {code: 'INVALID_CSRF_TOKEN'}, status: 403}, site);
  }

  t.like(await open.api.request('POST', '/v1/tasks/{name}/pause', {headers: {'sec-fetch-site': 'same-origin'}, params: {name: 't'}}), {body: {paused: true}, status: 200});
  t.like(await open.api.request('GET', '/v1/tasks', {headers: {'sec-fetch-site': 'cross-site'}}), {status: 200});

  const guarded = await start(t);
  const {body, cookie} = await signIn(guarded, ADMIN);

  t.like(await guarded.api.request('PUT', '/v1/tasks/{name}', {body: TASK, headers: {cookie, 'sec-fetch-site': 'cross-site', 'x-planton-csrf': body.csrfToken}, params: {name: 't'}}), {body: {code: 'INVALID_CSRF_TOKEN'}, status: 403});
  // A bearer token is no browser's doing: where the request comes from does not matter.
  t.like(await guarded.api.request('PUT', '/v1/tasks/{name}', {body: TASK, headers: {'sec-fetch-site': 'cross-site'}, params: {name: 't'}, token: ADMIN}), {status: 201});
});

test('a session duration that is not an integer >= 1 is refused with INVALID_SERVER_CONFIGURATION', async (t) => {
  const scheduler = await createScheduler({store: createMemorySchedulerStore(), syncInterval: 0});

  t.teardown(async () => {
    await scheduler.terminate();
  });

  for (const sessionDuration of [0, 1.5, -1]) {
    t.throws(() => createServer({dashboard: {sessionDuration}, scheduler}), {code: 'INVALID_SERVER_CONFIGURATION', message: /`dashboard.sessionDuration`/u});
  }
});
