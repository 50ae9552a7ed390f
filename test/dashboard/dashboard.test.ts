/**
 * The dashboard end to end, in headless Chromium (Debian's, driven by playwright-core) against a
 * server on an ephemeral port: sign in, the overview, a job's live log and progress, a failure's
 * code, Retry, and what a read token may not do. Waits for what the page shows, never for a time.
 */
import test from 'ava';
import type {Page} from 'playwright-core';
import {createDeferred} from '../helpers/createManualClock.ts';
import {ADMIN, type DashboardHarness, READ, requireChromium, startDashboard} from './helpers/startDashboard.ts';

type Job = {readonly id: number; readonly state: string};

const signIn = async (page: Page, url: string, token: string) => {
  await page.goto(`${url}/`);
  await page.getByLabel('Token (admin or read)').fill(token);
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.getByRole('heading', {name: 'Tasks'}).waitFor();
};

/** `flaky` fails its first attempt with a coded error and succeeds the next. */
const addFlakyTask = async ({api, scheduler}: DashboardHarness) => {
  let calls = 0;

  // A date far ahead: its jobs here are the one-offs the test makes.
  await api('PUT', '/v1/tasks/flaky', {retry: {attempts: 1, backoff: {delay: 1000, type: 'fixed'}}, schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 30_000});
  scheduler.addProcessor('flaky', async () => {
    calls++;

    if (calls === 1) {
      throw Object.assign(new Error('disk full'), {code: 'ENOSPC'});
    }

    return {freed: '2 GB'};
  });
};

requireChromium(() => {
  test('a scheduled task shows on the overview; a failing job shows its code, and Retry as admin runs it again', async (t) => {
    const harness = await startDashboard(t);
    const {api, context, url} = harness;

    t.like(await api('PUT', '/v1/tasks/nightly', {schedule: '0 3 * * *', timeout: 60_000, timezone: 'Europe/Berlin'}), {status: 201});
    await addFlakyTask(harness);

    const page = await context.newPage();

    await signIn(page, url, ADMIN);

    const nightly = page.locator('tr[data-task="nightly"]');

    await nightly.waitFor();
    t.regex(await nightly.innerText(), /every day at 03:00\s*\(Europe\/Berlin\)/u);
    t.true(await page.getByText('alice (admin)').isVisible());

    const {body: job} = await api<Job>('POST', '/v1/tasks/flaky/jobs', {});
    const failure = page.locator(`tr[data-job="${job.id}"]`, {hasText: 'ENOSPC'});

    // The overview refreshes by itself: the failure appears without a reload.
    await failure.waitFor();
    t.regex(await failure.innerText(), /ENOSPC: disk full/u);

    await failure.getByRole('link', {name: `#${job.id}`}).click();
    await page.locator('[data-state="ERROR"]').waitFor();
    t.is(await page.locator('.error .error-code').innerText(), 'ENOSPC');
    t.regex(await page.locator('.stack').innerText(), /disk full/u);

    await page.getByRole('button', {name: 'Retry'}).click();
    await page.locator('[data-state="DONE"]').waitFor();
    t.is(await page.getByRole('button', {name: 'Retry'}).count(), 0);
    t.regex(await page.locator('.result').innerText(), /"freed": "2 GB"/u);
    t.like((await api<Job>('GET', `/v1/jobs/${job.id}`)).body, {result: {freed: '2 GB'}, state: 'DONE'});
    t.deepEqual(harness.pageErrors, []);
  });

  test('a running job\'s progress and log appear live on its page, and its end follows', async (t) => {
    const harness = await startDashboard(t);
    const {api, context, scheduler, url} = harness;
    const release = createDeferred<void>();

    await api('PUT', '/v1/tasks/report', {schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 120_000});
    scheduler.addProcessor('report', async (job) => {
      await job.log('counting rows');
      await job.progress(0.5, 'halfway');
      await release.promise;
    });

    const page = await context.newPage();

    await signIn(page, url, ADMIN);

    const {body: job} = await api<Job>('POST', '/v1/tasks/report/jobs', {});
    const running = page.locator(`tr[data-job="${job.id}"]`, {hasText: 'halfway'});

    await running.waitFor();
    t.is(await running.locator('progress').getAttribute('value'), '0.5');

    await running.getByRole('link', {name: `#${job.id}`}).click();
    await page.locator('[data-state="RUNNING"]').waitFor();
    await page.locator('.log li', {hasText: 'counting rows'}).waitFor();
    await page.locator('.log li', {hasText: '50% halfway'}).waitFor();

    release.resolve();
    await page.locator('[data-state="DONE"]').waitFor();
    t.deepEqual(harness.pageErrors, []);
  });

  test('a read token sees no action buttons, and a change without the CSRF token is refused', async (t) => {
    const harness = await startDashboard(t);
    const {api, context, url} = harness;

    await addFlakyTask(harness);

    const {body: job} = await api<Job>('POST', '/v1/tasks/flaky/jobs', {});
    const page = await context.newPage();

    await signIn(page, url, ADMIN);

    // The admin's own session cookie, without the CSRF token: what a forged request would carry.
    const forged = async () => await page.evaluate(async (path) => {
      const response = await fetch(path, {method: 'POST'});

      return {body: await response.json() as unknown, status: response.status};
    }, `/v1/jobs/${job.id}/retry`);

    await page.goto(`${url}/#/jobs/${job.id}`);
    await page.locator('[data-state="ERROR"]').waitFor();
    t.like(await forged(), {body: {code: 'INVALID_CSRF_TOKEN'}, status: 403});
    t.like((await api<Job>('GET', `/v1/jobs/${job.id}`)).body, {state: 'ERROR'});

    await page.getByRole('button', {name: 'Sign out'}).click();
    await page.getByLabel('Token (admin or read)').fill(READ);
    await page.getByRole('button', {name: 'Sign in'}).click();
    await page.locator('[data-state="ERROR"]').waitFor();
    t.true(await page.getByText('grafana (read)').isVisible());
    t.is(await page.getByRole('button', {name: 'Retry'}).count(), 0);
    t.is(await page.getByRole('button', {name: 'Cancel'}).count(), 0);
    t.is(await page.getByRole('button', {name: 'Reschedule'}).count(), 0);
    t.like(await forged(), {status: 403});
    t.like((await api<Job>('GET', `/v1/jobs/${job.id}`)).body, {state: 'ERROR'});
  });
});
