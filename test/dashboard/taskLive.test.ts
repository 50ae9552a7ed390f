/**
 * The task page kept fresh in headless Chromium: it follows the overview's stream and loads the task
 * and its jobs only when the stream tells the task changed, and polls every 5 s only while the
 * stream is down. The page's timers run on Playwright's clock, so "no request for 10 s" is 10 s of
 * the page's time fast-forwarded, not waited for.
 */
import test from 'ava';
import type {Page} from 'playwright-core';
import {createDeferred} from '../helpers/createManualClock.ts';
import {until} from '../helpers/until.ts';
import {ADMIN, type DashboardHarness, requireChromium, startDashboard} from './helpers/startDashboard.ts';

type Job = {readonly id: number};

/** The paths of the view's loads (the task, the page of its jobs) and the overview's, as the page requested them. */
type Recorder = {
  readonly count: (path: string) => number;
  /** Resolves once no load of the view is in flight and none is left waiting on a timer of the page. */
  readonly settle: () => Promise<void>;
};

const VIEW_PATHS = new Set(['/v1/jobs', '/v1/tasks/nightly']);

const record = (page: Page): Recorder => {
  const paths: string[] = [];
  let inFlight = 0;
  const isView = (url: string) => VIEW_PATHS.has(new URL(url).pathname);

  page.on('request', (request) => {
    paths.push(new URL(request.url()).pathname);
    inFlight += isView(request.url()) ? 1 : 0;
  });

  const done = (request: {readonly url: () => string}) => {
    inFlight -= isView(request.url()) ? 1 : 0;
  };

  page.on('requestfinished', done);
  page.on('requestfailed', done);

  return {
    count: (path) => paths.filter((candidate) => candidate === path).length,
    settle: async () => {
      await until(() => inFlight === 0);
      // A change that came during a load is loaded at most a second after it: past that, and done.
      await page.clock.runFor(2000);
      await until(() => inFlight === 0);
    },
  };
};

/** The task `nightly`, scheduled far ahead; its processor waits for `release`. */
const addTask = async ({api, scheduler}: DashboardHarness, t: {readonly teardown: (callback: () => void) => void}) => {
  const release = createDeferred<void>();

  await api('PUT', '/v1/tasks/nightly', {schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 120_000});
  scheduler.addProcessor('nightly', async () => {
    await release.promise;
  });
  t.teardown(() => {
    release.resolve();
  });

  return release;
};

const openTaskPage = async (page: Page, url: string) => {
  await page.goto(`${url}/#/tasks/nightly`);
  await page.getByLabel('Token (admin or read)').fill(ADMIN);
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.getByRole('heading', {name: 'nightly'}).waitFor();
};

requireChromium(() => {
  test('the task page loads its jobs again only when the overview\'s stream tells the task changed: a job that starts and ends shows without polling', async (t) => {
    const harness = await startDashboard(t);
    const {api, context, pageErrors, url} = harness;
    const release = await addTask(harness, t);
    const page = await context.newPage();
    const {count, settle} = record(page);

    await page.clock.install();
    await openTaskPage(page, url);
    await page.locator('[data-refresh="live"]', {hasText: 'live'}).waitFor();
    await settle();

    const loads = count('/v1/jobs');

    // Ten seconds of the page's timers with nothing changed: polling every 5 s would have asked.
    await page.clock.runFor(10_000);
    t.is(count('/v1/jobs'), loads, 'no request for the task\'s jobs while the stream tells of no change');
    t.is(count('/v1/tasks/nightly'), loads, 'the task is loaded with its jobs, never alone');

    const {body: job} = await api<Job>('POST', '/v1/tasks/nightly/jobs', {});
    const row = page.locator(`tr[data-job="${job.id}"]`);

    await row.locator('.state', {hasText: 'RUNNING'}).waitFor();
    await settle();

    const started = count('/v1/jobs');

    t.true(started > loads, 'the stream\'s change was loaded');
    await page.clock.runFor(10_000);
    t.is(count('/v1/jobs'), started, 'no polling while the job runs');

    release.resolve();
    await row.locator('.state', {hasText: 'DONE'}).waitFor();
    await settle();
    t.true(count('/v1/jobs') > started);
    // One load a change, a change or two per transition: no storm.
    t.true(count('/v1/jobs') <= loads + 4, `${count('/v1/jobs') - loads} loads for two transitions`);
    t.is(count('/v1/overview'), 0, 'the task page never polls the overview');
    t.is(count('/v1/overview/stream'), 1, 'one stream, never reopened');
    t.deepEqual(pageErrors, []);
  });

  test('while the overview\'s stream fails the task page polls every 5 s; once the stream works again the polling stops', async (t) => {
    const harness = await startDashboard(t);
    const {api, context, pageErrors, url} = harness;
    const release = await addTask(harness, t);
    const page = await context.newPage();
    const {count, settle} = record(page);
    const refuse = async (route: {readonly abort: () => Promise<void>}) => {
      await route.abort();
    };

    await page.route('**/v1/overview/stream', refuse);
    await page.clock.install();
    await openTaskPage(page, url);
    await page.locator('[data-refresh="polling"]', {hasText: 'refreshing every 5 s'}).waitFor();

    const {body: job} = await api<Job>('POST', '/v1/tasks/nightly/jobs', {});
    const row = page.locator(`tr[data-job="${job.id}"]`);

    // The next refresh brings the running job.
    await page.clock.runFor(5000);
    await row.locator('.state', {hasText: 'RUNNING'}).waitFor();
    t.true(count('/v1/jobs') >= 2);

    // EventSource retries by itself (or the page reopens it after 15 s of its time).
    await page.unroute('**/v1/overview/stream', refuse);
    await page.clock.runFor(15_000);
    await page.locator('[data-refresh="live"]').waitFor();
    release.resolve();
    // The stream alone can bring it now.
    await row.locator('.state', {hasText: 'DONE'}).waitFor();
    await settle();

    const loads = count('/v1/jobs');

    await page.clock.runFor(10_000);
    t.is(count('/v1/jobs'), loads, 'no polling once the stream is back');
    t.is(count('/v1/overview'), 0);
    t.deepEqual(pageErrors, []);
  });
});
