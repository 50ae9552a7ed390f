// Regenerates the dashboard's screenshots in docs/ (dashboard-overview.png, dashboard-job.png, dashboard-task.png,
// dashboard-workers.png):
// builds the page, starts a server over a scheduler on the memory store with a few tasks (one job
// succeeds, one fails with a code, one runs halfway in a remote worker), and photographs the overview, the failed
// job, a task and the workers in Debian's headless Chromium. Run: `npx node scripts/captureDashboard.ts`.
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';
import {connectWorker} from '../src/client/index.ts';
import {createMemorySchedulerStore, createScheduler} from '../src/scheduler/index.ts';
import {createServer} from '../src/server/index.ts';
import {buildDashboard} from './buildDashboard.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const assets = mkdtempSync(join(tmpdir(), 'planton-capture-assets-'));
const userDataDirectory = mkdtempSync(join(tmpdir(), 'planton-capture-chromium-'));

await buildDashboard({directory: assets});

const scheduler = await createScheduler({store: createMemorySchedulerStore()});
// No tokens, on loopback: the page opens signed in as the anonymous admin.
const server = createServer({dashboard: {assetsDirectory: assets}, scheduler});
const {url} = await server.listen({host: '127.0.0.1', port: 0});
let release = (): void => undefined;
const held = new Promise<void>((resolve) => {
  release = resolve;
});

const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const response = await fetch(`${url}${path}`, {body: body === undefined ? null : JSON.stringify(body), headers: body === undefined ? {} : {'content-type': 'application/json'}, method});

  if (!response.ok) {
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  }

  return await response.json() as T;
};

const waitForState = async (id: number, state: string) => {
  for (let job = await call<{state: string}>('GET', `/v1/jobs/${id}`); job.state !== state; job = await call<{state: string}>('GET', `/v1/jobs/${id}`)) {
    await new Promise((resolve) => {
      setTimeout(resolve, 50);
    });
  }
};

await call('PUT', '/v1/tasks/nightly-report', {payload: {format: 'pdf'}, schedule: '0 3 * * *', timeout: 60_000, timezone: 'Europe/Berlin'});
await call('PUT', '/v1/tasks/send-emails', {schedule: {every: '15m'}, timeout: 30_000});
await call('PUT', '/v1/tasks/sync-crm', {retry: {attempts: 1, backoff: {delay: 1000, type: 'fixed'}}, schedule: '*/5 * * * *', timeout: 30_000});
await call('PUT', '/v1/tasks/rebuild-index', {schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 600_000});
await call('PUT', '/v1/tasks/yearly-archive', {schedule: {date: '2099-01-01T00:00:00Z', repeat: {y: 1}}, timeout: 600_000});
await call('POST', '/v1/tasks/yearly-archive/pause');

scheduler.addProcessor('send-emails', async (job) => {
  await job.log('sent 42 emails');
});
scheduler.addProcessor('sync-crm', async (job) => {
  await job.log('fetching contacts');
  throw Object.assign(new Error('CRM answered 503 Service Unavailable'), {code: 'CRM_UNAVAILABLE'});
});
// rebuild-index runs in a remote worker, which the overview lists with the job it holds.
const worker = connectWorker({concurrency: 4, name: 'indexer-1', url: `${url.replace(/^http/u, 'ws')}/v1/workers`});

worker.processor('rebuild-index', async (job) => {
  await job.progress(0.4, 'shard 4 of 10');
  await held;
});
await new Promise((resolve) => {
  worker.events.once('connect', resolve);
});

// A few runs of send-emails for its task page's chart; the last one is the overview's success.
for (let run = 0; run < 4; run++) {
  await waitForState((await call<{id: number}>('POST', '/v1/tasks/send-emails/jobs', {})).id, 'DONE');
}

const sent = await call<{id: number}>('POST', '/v1/tasks/send-emails/jobs', {});
const failed = await call<{id: number}>('POST', '/v1/tasks/sync-crm/jobs', {payload: {since: '2026-12-01'}});
const running = await call<{id: number}>('POST', '/v1/tasks/rebuild-index/jobs', {});

await waitForState(sent.id, 'DONE');
await waitForState(failed.id, 'ERROR');
await waitForState(running.id, 'RUNNING');

const context = await chromium.launchPersistentContext(userDataDirectory, {
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  colorScheme: 'light',
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: {height: 820, width: 1200},
});

try {
  const page = await context.newPage();

  await page.goto(`${url}/`);
  await page.locator(`tr[data-job="${running.id}"]`, {hasText: 'shard 4 of 10'}).waitFor();
  await page.locator(`tr[data-job="${failed.id}"]`).waitFor();
  await page.screenshot({fullPage: true, path: join(root, 'docs/dashboard-overview.png')});

  await page.goto(`${url}/#/jobs/${failed.id}`);
  await page.locator('.log li', {hasText: 'fetching contacts'}).waitFor();
  await page.screenshot({fullPage: true, path: join(root, 'docs/dashboard-job.png')});

  await page.goto(`${url}/#/tasks/send-emails`);
  await page.locator('.chart canvas').waitFor();
  await page.screenshot({fullPage: true, path: join(root, 'docs/dashboard-task.png')});

  await page.goto(`${url}/#/workers`);
  await page.locator('tr[data-worker="indexer-1"]', {hasText: `#${running.id}`}).waitFor();
  await page.screenshot({fullPage: true, path: join(root, 'docs/dashboard-workers.png')});
} finally {
  await context.close();
  release();
  await worker.close();
  await server.close();
  await scheduler.terminate();
  rmSync(userDataDirectory, {force: true, recursive: true});
  rmSync(assets, {force: true, recursive: true});
}

console.log('wrote docs/dashboard-overview.png, docs/dashboard-job.png, docs/dashboard-task.png and docs/dashboard-workers.png');
