import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import Fastify from 'fastify';
import {type BrowserContext, chromium} from 'playwright-core';
import {buildDashboard} from '../../../scripts/buildDashboard.mjs';
import {createMemorySchedulerStore, createScheduler, type Scheduler} from '../../../src/scheduler/index.ts';
import {createPlantonPlugin, createServer, type ServerConfiguration, type ServerToken} from '../../../src/server/index.ts';

/** Debian's Chromium (`.ci/run` installs it); never a browser downloaded by Playwright. */
export const CHROMIUM = '/usr/bin/chromium';

export const ADMIN = 'admin-token-0123456789';
export const READ = 'read-token-0123456789ab';
export const WORKER = 'worker-token-0123456789';

const tokens: readonly ServerToken[] = [{name: 'alice', role: 'admin', token: ADMIN}, {name: 'grafana', role: 'read', token: READ}, {name: 'edge', role: 'worker', token: WORKER}];

/** Generous: the machines that run the suite are loaded. */
export const TIMEOUT = 60_000;

type Teardown = {readonly teardown: (callback: () => Promise<void> | void) => void};

/**
 * Registers the file's browser tests, or, without Chromium at `CHROMIUM`, prints one line and
 * registers one skipped test (ava fails a file without tests).
 */
export const requireChromium = (define: () => void): void => {
  if (!existsSync(CHROMIUM)) {
    console.log(`skipped: install chromium (${CHROMIUM})`);
    test.skip('the dashboard in a real browser', () => undefined);

    return;
  }

  define();
};

/** Builds the page once per file, into a temporary folder (removed when the process exits). */
let assets: Promise<string> | null = null;

const buildAssets = async (): Promise<string> => {
  assets ??= (async () => {
    const directory = mkdtempSync(join(tmpdir(), 'planton-dashboard-build-'));

    process.once('exit', () => {
      rmSync(directory, {force: true, recursive: true});
    });

    return await buildDashboard({directory});
  })();

  return await assets;
};

export type DashboardHarness = {
  /** Calls the API with a bearer token, as a script or the CLI would. */
  readonly api: <T>(method: string, path: string, body?: unknown) => Promise<{readonly body: T; readonly status: number}>;
  readonly context: BrowserContext;
  /** What went wrong in the pages so far: uncaught exceptions and Content-Security-Policy refusals. */
  readonly pageErrors: readonly string[];
  readonly scheduler: Scheduler;
  readonly url: string;
};

/**
 * A scheduler on the memory store (real time: the page reads the system clock too), a server over
 * it (or, with `prefix`, Planton mounted in a Fastify app) on an ephemeral port of 127.0.0.1 with an admin and a read token, and Chromium in a context of
 * its own (a fresh user-data-dir, removed at teardown), all stopped at the test's teardown.
 */
/** The server the page is served by: `createServer`'s, or a user's Fastify app with Planton under `prefix`. */
const listen = async (configuration: Parameters<typeof createServer>[0], prefix: string | undefined): Promise<{readonly close: () => Promise<void>; readonly url: string}> => {
  if (prefix === undefined) {
    const server = createServer(configuration);
    const {url} = await server.listen({host: '127.0.0.1', port: 0});

    return {close: server.close, url};
  }

  const app = Fastify();

  app.get('/', async () => ({app: 'the user\'s own'}));
  await app.register(createPlantonPlugin(configuration), {prefix});

  return {close: async () => await app.close(), url: `${await app.listen({host: '127.0.0.1', port: 0})}${prefix}`};
};

export type DashboardOptions = Pick<ServerConfiguration, 'dispatchStores' | 'workerHub'> & {
  /** Mounts Planton under this prefix of a Fastify app of the test's (`/planton`); `url` is then the prefix's. */
  readonly prefix?: string;
};

export const startDashboard = async (t: Teardown, {prefix, ...options}: DashboardOptions = {}): Promise<DashboardHarness> => {
  const directory = await buildAssets();
  const scheduler = await createScheduler({store: createMemorySchedulerStore()});
  const server = await listen({auth: {tokens}, dashboard: {assetsDirectory: directory}, logStreamInterval: 200, scheduler, ...options}, prefix);
  const {url} = server;
  const userDataDirectory = mkdtempSync(join(tmpdir(), 'planton-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDirectory, {
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    executablePath: CHROMIUM,
    headless: true,
    timeout: TIMEOUT,
  });

  context.setDefaultTimeout(TIMEOUT);

  const pageErrors: string[] = [];

  context.on('page', (page) => {
    page.on('pageerror', (error) => {
      pageErrors.push(error.message);
    });
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/iu.test(message.text())) {
        pageErrors.push(message.text());
      }
    });
  });

  t.teardown(async () => {
    await context.close();
    rmSync(userDataDirectory, {force: true, recursive: true});
    await server.close();
    await scheduler.terminate();
  });

  const api: DashboardHarness['api'] = async (method, path, body) => {
    const response = await fetch(`${url}${path}`, {
      body: body === undefined ? null : JSON.stringify(body),
      headers: {authorization: `Bearer ${ADMIN}`, ...body === undefined ? {} : {'content-type': 'application/json'}},
      method,
    });

    return {body: await response.json() as never, status: response.status};
  };

  return {api, context, pageErrors, scheduler, url};
};
