/**
 * Live updates in headless Chromium: the overview follows `GET /v1/overview/stream` instead of
 * polling, falls back to polling while the stream fails and returns to it, and the job page follows
 * the job's state over its log stream. The page's timers run on Playwright's clock, so "no request
 * for 10 s" is 10 s of the page's time fast-forwarded, not waited for.
 */
import test from 'ava';
import type {Page} from 'playwright-core';
import {createDeferred} from '../helpers/createManualClock.ts';
import {ADMIN, type DashboardHarness, requireChromium, startDashboard} from './helpers/startDashboard.ts';

type Job = {readonly id: number};

/** The paths the page requested, in order. */
const recordRequests = (page: Page): string[] => {
  const paths: string[] = [];

  page.on('request', (request) => {
    paths.push(new URL(request.url()).pathname);
  });

  return paths;
};

const signIn = async (page: Page, url: string) => {
  await page.goto(`${url}/`);
  await page.getByLabel('Token (admin or read)').fill(ADMIN);
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.getByRole('heading', {name: 'Tasks'}).waitFor();
};

/** `steps` reports progress 0.25, waits for `step`, reports 0.75, then waits for `release`. */
const addSteppedTask = async ({api, scheduler}: DashboardHarness, t: {readonly teardown: (callback: () => void) => void}) => {
  const step = createDeferred<void>();
  const release = createDeferred<void>();

  await api('PUT', '/v1/tasks/steps', {schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 120_000});
  scheduler.addProcessor('steps', async (job) => {
    await job.progress(0.25, 'first');
    await step.promise;
    await job.progress(0.75, 'second');
    await release.promise;
  });
  t.teardown(() => {
    step.resolve();
    release.resolve();
  });

  return {release, step};
};

const count = (paths: readonly string[], path: string) => paths.filter((candidate) => candidate === path).length;

requireChromium(() => {
  test('the overview follows a running job\'s progress and end over the stream, without a request to /v1/overview', async (t) => {
    const harness = await startDashboard(t);
    const {api, context, pageErrors, url} = harness;
    const {release, step} = await addSteppedTask(harness, t);
    const page = await context.newPage();
    const paths = recordRequests(page);

    await page.clock.install();
    await signIn(page, url);
    await page.locator('[data-refresh="live"]', {hasText: 'live'}).waitFor();

    const polls = count(paths, '/v1/overview');
    const {body: job} = await api<Job>('POST', '/v1/tasks/steps/jobs', {});
    const row = page.locator(`tr[data-job="${job.id}"]`);

    await row.locator('progress[value="0.25"]').waitFor();
    // Ten seconds of the page's timers: polling would have asked three times.
    await page.clock.runFor(10_000);
    step.resolve();
    await row.locator('progress[value="0.75"]').waitFor();
    t.regex(await row.innerText(), /75%\s*second/u);
    release.resolve();
    await page.locator(`tr[data-task="steps"] .success a[href="#/jobs/${job.id}"]`).waitFor();
    await page.getByText('No job is running.').waitFor();

    t.is(count(paths, '/v1/overview'), polls, 'no polling while the stream is open');
    t.is(count(paths, '/v1/overview/stream'), 1, 'one stream, never reopened');
    t.is(count(paths, '/v1/dispatch'), 1, 'a server without dispatch stores is asked once, not every 5 s');
    t.true(await page.locator('[data-refresh="live"]').isVisible());
    t.deepEqual(pageErrors, []);
  });

  test('while the stream fails the overview polls and still shows the data; once the stream works again the polling stops', async (t) => {
    const harness = await startDashboard(t);
    const {api, context, pageErrors, url} = harness;
    const {release, step} = await addSteppedTask(harness, t);
    const page = await context.newPage();
    const paths = recordRequests(page);
    const refuse = async (route: {readonly abort: () => Promise<void>}) => {
      await route.abort();
    };

    await page.route('**/v1/overview/stream', refuse);
    await page.clock.install();
    await signIn(page, url);
    await page.locator('[data-refresh="polling"]', {hasText: 'refreshing every 3 s'}).waitFor();
    t.true(await page.locator('tr[data-task="steps"]').isVisible());

    const {body: job} = await api<Job>('POST', '/v1/tasks/steps/jobs', {});
    const row = page.locator(`tr[data-job="${job.id}"]`);

    // The next refresh brings the running job.
    await page.clock.runFor(3000);
    await row.locator('progress[value="0.25"]').waitFor();
    t.true(count(paths, '/v1/overview') >= 2);

    // EventSource retries by itself (or the page reopens it after 15 s of its time).
    await page.unroute('**/v1/overview/stream', refuse);
    await page.clock.runFor(15_000);
    await page.locator('[data-refresh="live"]').waitFor();
    step.resolve();
    await row.locator('progress[value="0.75"]').waitFor();

    const polls = count(paths, '/v1/overview');

    await page.clock.runFor(10_000);
    release.resolve();
    await page.getByText('No job is running.').waitFor();
    t.is(count(paths, '/v1/overview'), polls, 'no polling once the stream is back');
    t.deepEqual(pageErrors, []);
  });

  test('the job page follows the job\'s state over its stream: a scheduled job that starts shows RUNNING without polling', async (t) => {
    const harness = await startDashboard(t);
    const {api, context, pageErrors, url} = harness;
    const {release, step} = await addSteppedTask(harness, t);
    const {body: job} = await api<Job>('POST', '/v1/tasks/steps/jobs', {runAt: '2098-01-01T00:00:00Z'});
    const page = await context.newPage();
    const paths = recordRequests(page);

    await page.clock.install();
    await page.goto(`${url}/#/jobs/${job.id}`);
    await page.getByLabel('Token (admin or read)').fill(ADMIN);
    await page.getByRole('button', {name: 'Sign in'}).click();
    await page.locator('[data-state="SCHEDULED"]').waitFor();

    const polls = count(paths, `/v1/jobs/${job.id}`);

    await page.clock.runFor(10_000);
    // Moved to now by someone else: the job starts, and the page learns it from the stream alone.
    t.like(await api('POST', `/v1/jobs/${job.id}/reschedule`, {runAt: new Date().toISOString()}), {status: 200});
    await page.locator('[data-state="RUNNING"]').waitFor();
    await page.getByText('25% first').first().waitFor();
    t.is(count(paths, `/v1/jobs/${job.id}`), polls, 'no polling of the job while its stream follows it');

    step.resolve();
    release.resolve();
    await page.locator('[data-state="DONE"]').waitFor();
    t.deepEqual(pageErrors, []);
  });
});
