/**
 * The dashboard end to end as a new user meets it: the real `planton serve` (PGlite in a fresh data
 * directory, `--port 0`, admin, read and worker tokens from PLANTON_TOKENS), a real `planton worker`
 * running tasks of a module, and Chromium at the URL the command printed. The page's own API calls
 * (session cookie and CSRF token) schedule a task; the job's progress moves and its log appears
 * live; a failure shows its code and Retry runs it again; Cancel, Pause; a read session sees no
 * buttons and its forged changes are refused. The worker's job moves only when the test opens a gate
 * (an HTTP request the test holds): waits are for what the page or the API shows, never for a time.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {createServer as createHttpServer, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {type BrowserContext, chromium, type Page} from 'playwright-core';
import {buildDashboard} from '../../scripts/buildDashboard.mjs';
import {startPlanton, startServe, type ServeProcess} from '../cli/helpers/runPlanton.ts';
import {createDeferred} from '../helpers/createManualClock.ts';
import {until} from '../helpers/until.ts';
import {ADMIN, CHROMIUM, READ, requireChromium, TIMEOUT, WORKER} from './helpers/startDashboard.ts';

type Job = {readonly attempt: number; readonly id: number; readonly state: string};
type Task = {readonly nextJob: {readonly id: number} | null; readonly paused: boolean};

const FIXTURE = fileURLToPath(new URL('fixtures/servePgliteProcessors.ts', import.meta.url));
/** Far ahead: a one-shot task whose only job until then is the one the task is created with. */
const LATER = {date: '2099-01-01T00:00:00Z'};

const dataDirectory = mkdtempSync(join(tmpdir(), 'planton-e2e-'));
const userDataDirectory = mkdtempSync(join(tmpdir(), 'planton-e2e-chromium-'));

/** Gates of the `report` processor: a request to `/<step>` is held until the test opens that step. */
const gates = new Map<string, {readonly arrived: ReturnType<typeof createDeferred<void>>; response: ServerResponse | null}>();
const gate = (step: string) => {
  const existing = gates.get(step);

  if (existing !== undefined) {
    return existing;
  }

  const created = {arrived: createDeferred<void>(), response: null};

  gates.set(step, created);

  return created;
};

const gateServer = createHttpServer((request, response) => {
  const held = gate((request.url ?? '/').slice(1));

  held.response = response;
  held.arrived.resolve();
});

const openGate = async (step: string) => {
  const held = gate(step);

  await held.arrived.promise;
  held.response?.end('open');
};

let serve: ServeProcess;
let worker: ServeProcess;
let context: BrowserContext;
let gateUrl: string;
const pageErrors: string[] = [];

/** The API with a bearer token, as a script would call it. */
const api = async <T>(method: string, path: string, body?: unknown): Promise<{readonly body: T; readonly status: number}> => {
  const response = await fetch(`${serve.url}${path}`, {
    body: body === undefined ? null : JSON.stringify(body),
    headers: {authorization: `Bearer ${ADMIN}`, ...body === undefined ? {} : {'content-type': 'application/json'}},
    method,
  });

  return {body: await response.json() as T, status: response.status};
};

const jobState = async (id: number) => (await api<Job>('GET', `/v1/jobs/${id}`)).body.state;

/** Waits (the API, an event-loop turn or a millisecond apart) until the job is in `state`. */
const untilJobState = async (id: number, state: string) => {
  await until(async () => await jobState(id) === state, TIMEOUT);
};

/** A request from the page with its session cookie, and the session's CSRF token unless `csrf` is false: what the page's own calls send. */
const fromPage = async (page: Page, method: string, path: string, body: unknown, csrf: boolean) => await page.evaluate(async ({body, csrf, method, path}) => {
  const session = await (await fetch('/dashboard/session')).json() as {csrfToken: string};
  const response = await fetch(path, {
    body: body === null ? null : JSON.stringify(body),
    headers: {...csrf ? {'x-planton-csrf': session.csrfToken} : {}, ...body === null ? {} : {'content-type': 'application/json'}},
    method,
  });

  return {body: await response.json() as {code?: string; id?: number}, status: response.status};
}, {body, csrf, method, path});

/** Signs in afresh (the browser's profile keeps the last session's cookie otherwise). */
const signIn = async (page: Page, token: string, path = '/') => {
  await context.clearCookies();
  await page.goto(`${serve.url}${path}`);
  await page.getByLabel('Token (admin or read)').fill(token);
  await page.getByRole('button', {name: 'Sign in'}).click();
};

requireChromium(() => {
  test.before(async () => {
    // What `npm run build` (and `prepare`) writes, and the command serves: built afresh from these sources.
    await buildDashboard();
    await new Promise<void>((resolve) => {
      gateServer.listen(0, '127.0.0.1', resolve);
    });
    gateUrl = `http://127.0.0.1:${(gateServer.address() as AddressInfo).port}`;
    serve = await startServe(['--port', '0', '--data-dir', dataDirectory], {PLANTON_TOKENS: `admin:${ADMIN}:alice,read:${READ}:grafana,worker:${WORKER}:edge`});
    await api('PUT', '/v1/tasks/flaky', {retry: {attempts: 1, backoff: {delay: 1000, type: 'fixed'}}, schedule: LATER, timeout: 60_000});
    await api('PUT', '/v1/tasks/sweep', {schedule: LATER, timeout: 60_000});
    worker = await startPlanton(['worker', FIXTURE, '--name', 'e2e-worker', '--concurrency', '4'], {PLANTON_TOKEN: WORKER, PLANTON_URL: serve.url}, /connected to (\S+\/v1\/workers);/u);
    context = await chromium.launchPersistentContext(userDataDirectory, {
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      executablePath: CHROMIUM,
      headless: true,
      timeout: TIMEOUT,
    });
    context.setDefaultTimeout(TIMEOUT);
    context.on('page', (page) => {
      page.on('pageerror', (error) => {
        pageErrors.push(error.message);
      });
    });
  });

  test.after.always(async () => {
    await context?.close();

    for (const {response} of gates.values()) {
      response?.end('closing');
    }

    await worker?.stop();
    await serve?.stop();
    await new Promise((resolve) => {
      gateServer.close(resolve);
    });
    rmSync(userDataDirectory, {force: true, recursive: true});
    rmSync(dataDirectory, {force: true, recursive: true});
  });

  test.serial('the printed URL is a real port of 127.0.0.1, and it opens the sign-in form', async (t) => {
    t.regex(serve.url, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/u);
    t.regex(serve.output(), /database: PGlite in .*planton-e2e-.*; 3 tokens/u);

    const page = await context.newPage();

    await page.goto(serve.url);
    await page.getByRole('button', {name: 'Sign in'}).waitFor();
    await page.close();
    t.deepEqual(pageErrors, []);
  });

  test.serial('a task scheduled through the page\'s API runs on the worker: its progress moves and its log appears live', async (t) => {
    const page = await context.newPage();

    await signIn(page, ADMIN);
    await page.getByText('alice (admin)').waitFor();

    // As the page's own calls do: the session cookie and the CSRF token. The worker is already connected.
    t.like(await fromPage(page, 'PUT', '/v1/tasks/report', {schedule: LATER, timeout: 120_000}, true), {status: 201});

    const created = await fromPage(page, 'POST', '/v1/tasks/report/jobs', {payload: {gate: gateUrl}}, true);

    t.is(created.status, 201);

    const id = created.body.id ?? 0;

    // The overview shows it running, at the first step.
    await page.locator(`tr[data-job="${id}"]`, {hasText: 'reading'}).waitFor();
    await page.goto(`${serve.url}/#/jobs/${id}`);
    await page.locator('[data-state="RUNNING"]').waitFor();
    await page.locator('.fields progress[value="0.25"]').waitFor();
    await page.locator('.log li', {hasText: 'counting rows'}).waitFor();

    await openGate('1');
    await page.locator('.fields progress[value="0.75"]').waitFor();
    await page.locator('.log li', {hasText: '42 rows written'}).waitFor();
    t.like((await api<Job & {progress: number}>('GET', `/v1/jobs/${id}`)).body, {progress: 0.75, state: 'RUNNING'});

    await openGate('2');
    await page.locator('[data-state="DONE"]').waitFor();
    t.like((await api<Job>('GET', `/v1/jobs/${id}`)).body, {state: 'DONE'});
    await page.close();
    t.deepEqual(pageErrors, []);
  });

  test.serial('a failing job shows its error and code; Retry runs it again on the worker and it succeeds', async (t) => {
    const {body: job, status} = await api<Job>('POST', '/v1/tasks/flaky/jobs', {});

    t.is(status, 201);
    await untilJobState(job.id, 'ERROR');

    const page = await context.newPage();

    await signIn(page, ADMIN, `/#/jobs/${job.id}`);
    await page.locator('[data-state="ERROR"]').waitFor();
    t.is(await page.locator('.error .error-code').innerText(), 'ENOSPC');
    t.regex(await page.locator('.error').innerText(), /disk full/u);

    await page.getByRole('button', {name: 'Retry'}).click();
    await page.locator('[data-state="DONE"]').waitFor();
    t.is(await page.getByRole('button', {name: 'Retry'}).count(), 0);
    t.like((await api<Job>('GET', `/v1/jobs/${job.id}`)).body, {state: 'DONE'});
    await page.close();
  });

  test.serial('Cancel on a one-shot scheduled ahead cancels it', async (t) => {
    const {body: task} = await api<Task>('PUT', '/v1/tasks/yearly', {schedule: LATER, timeout: 60_000});
    const id = task.nextJob?.id ?? 0;

    t.is(await jobState(id), 'SCHEDULED');

    const page = await context.newPage();

    await signIn(page, ADMIN, `/#/jobs/${id}`);
    await page.locator('[data-state="SCHEDULED"]').waitFor();
    await page.getByRole('button', {name: 'Cancel'}).click();
    await page.locator('[data-state="CANCELED"]').waitFor();
    t.is(await jobState(id), 'CANCELED');
    await page.close();
  });

  test.serial('Pause stops new jobs of the task from being claimed; Resume lets them run', async (t) => {
    const page = await context.newPage();

    await signIn(page, ADMIN, '/#/tasks/sweep');
    await page.getByRole('button', {name: 'Pause'}).click();
    await page.locator('#task-heading .badge', {hasText: 'paused'}).waitFor();
    t.like((await api<Task>('GET', '/v1/tasks/sweep')).body, {paused: true});

    const {body: held} = await api<Job>('POST', '/v1/tasks/sweep/jobs', {});
    // A job of another task, made after it, due as soon: once the worker ran it, the paused one had its chance.
    const {body: control} = await api<Job>('POST', '/v1/tasks/flaky/jobs', {});

    await untilJobState(control.id, 'ERROR');
    t.like((await api<Job & {startedAt: string | null}>('GET', `/v1/jobs/${held.id}`)).body, {startedAt: null, state: 'SCHEDULED'});

    await page.getByRole('button', {name: 'Resume'}).click();
    await page.getByRole('button', {name: 'Pause'}).waitFor();
    await untilJobState(held.id, 'DONE');
    t.like((await api<Task>('GET', '/v1/tasks/sweep')).body, {paused: false});
    await page.close();
  });

  test.serial('a read session sees no action buttons, and its changes are refused with or without the CSRF token', async (t) => {
    const {body: job} = await api<Job>('POST', '/v1/tasks/flaky/jobs', {});

    await untilJobState(job.id, 'ERROR');

    const page = await context.newPage();

    await signIn(page, READ, `/#/jobs/${job.id}`);
    await page.locator('[data-state="ERROR"]').waitFor();
    t.true(await page.getByText('grafana (read)').isVisible());
    t.is(await page.getByRole('button', {name: 'Retry'}).count(), 0);
    t.is(await page.getByRole('button', {name: 'Reschedule'}).count(), 0);

    await page.goto(`${serve.url}/#/tasks/flaky`);
    await page.getByRole('heading', {name: 'flaky'}).waitFor();
    t.is(await page.getByRole('button', {name: 'Run now'}).count(), 0);
    t.is(await page.getByRole('button', {name: 'Pause'}).count(), 0);

    t.like(await fromPage(page, 'POST', `/v1/jobs/${job.id}/retry`, null, true), {body: {code: 'FORBIDDEN'}, status: 403});
    t.like(await fromPage(page, 'POST', `/v1/jobs/${job.id}/retry`, null, false), {body: {code: 'INVALID_CSRF_TOKEN'}, status: 403});
    t.like(await fromPage(page, 'POST', '/v1/tasks/flaky/pause', null, true), {body: {code: 'FORBIDDEN'}, status: 403});
    t.like((await api<Job>('GET', `/v1/jobs/${job.id}`)).body, {state: 'ERROR'});
    t.like((await api<Task>('GET', '/v1/tasks/flaky')).body, {paused: false});
    await page.close();
    t.deepEqual(pageErrors, []);
  });
});
