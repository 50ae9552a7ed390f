/**
 * The task page's time range, in headless Chromium: jobs scheduled at different times, a quick choice
 * and a range typed in the date pickers (the viewer's local time) list only the jobs in range, with
 * the state filter too, the task's timezone beside the viewer's times; the range is in the URL's hash, so a
 * reload keeps it.
 */
import test from 'ava';
import type {Page} from 'playwright-core';
import {READ, requireChromium, startDashboard} from './helpers/startDashboard.ts';

type Job = {readonly id: number};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The ids of the jobs the page lists, once it lists exactly `count` (at least 1) of them. */
const listedJobs = async (page: Page, count: number): Promise<number[]> => {
  const rows = page.locator('tr[data-job]');

  await rows.nth(count - 1).waitFor();
  await rows.nth(count).waitFor({state: 'detached'});

  return await page.locator('tr[data-job]').evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-job'))));
};

/** An instant as a `datetime-local` value in the browser's timezone (the page's own reading of it). */
const localInput = async (page: Page, milliseconds: number) => await page.evaluate((value) => {
  const date = new Date(value);

  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}, milliseconds);

requireChromium(() => {
  test('a time range lists only the jobs scheduled in it, with the state filter and the task\'s timezone beside the times, and a reload keeps it', async (t) => {
    const {api, context, pageErrors, url} = await startDashboard(t);
    const now = Date.now();

    const page = await context.newPage();

    await page.goto(`${url}/`);

    // The task's timezone, one that is not the viewer's: the page shows it beside the viewer's times.
    const viewer = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    const timezone = viewer === 'Asia/Tokyo' ? 'America/New_York' : 'Asia/Tokyo';

    // Paused: its jobs stay as they are made (none is claimed), each with the `scheduledFor` it was given.
    await api('PUT', '/v1/tasks/archive', {schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 30_000, timezone});
    await api('POST', '/v1/tasks/archive/pause');

    const at = async (offset: number) => (await api<Job>('POST', '/v1/tasks/archive/jobs', {runAt: new Date(now + offset).toISOString()})).body.id;
    const halfHourAgo = await at(-HOUR / 2);
    const threeHoursAgo = await at(-3 * HOUR);
    const threeDaysAgo = await at(-3 * DAY);
    const monthAgo = await at(-30 * DAY);

    await page.goto(`${url}/#/tasks/archive`);
    await page.getByLabel('Token (admin or read)').fill(READ);
    await page.getByRole('button', {name: 'Sign in'}).click();
    // Every job: the four one-offs and the slot of 2099.
    t.is((await listedJobs(page, 5)).length, 5);

    await page.getByRole('button', {name: 'Last 24 h'}).click();
    t.deepEqual(await listedJobs(page, 2), [halfHourAgo, threeHoursAgo]);
    t.regex(page.url(), /#\/tasks\/archive\?last=24h$/u);

    await page.reload();
    t.deepEqual(await listedJobs(page, 2), [halfHourAgo, threeHoursAgo]);
    t.is(await page.getByRole('button', {name: 'Last 24 h'}).getAttribute('aria-pressed'), 'true');

    await page.getByRole('button', {name: 'Last hour'}).click();
    t.deepEqual(await listedJobs(page, 1), [halfHourAgo]);

    // From four days ago to two days ago, typed in the pickers (by keyboard: Enter submits).
    await page.getByLabel('Scheduled from').fill(await localInput(page, now - 4 * DAY));
    await page.getByLabel('to', {exact: true}).fill(await localInput(page, now - 2 * DAY));
    await page.getByLabel('to', {exact: true}).press('Enter');
    t.deepEqual(await listedJobs(page, 1), [threeDaysAgo]);
    t.regex(page.url(), /\?from=.+&to=.+$/u);

    const inTaskTimezone = await page.evaluate(([instant, timeZone]) => new Date(instant).toLocaleString(undefined, {dateStyle: 'medium', timeStyle: 'medium', timeZone}), [new Date(now - 3 * DAY).toISOString(), timezone] as const);

    t.true((await page.locator(`tr[data-job="${threeDaysAgo}"]`).innerText()).includes(`${inTaskTimezone} ${timezone}`));
    t.regex(await page.getByRole('form', {name: 'Time range'}).innerText(), new RegExp(`In the task's timezone \\(${timezone}\\)`, 'u'));

    await page.reload();
    t.deepEqual(await listedJobs(page, 1), [threeDaysAgo]);
    t.is(await page.getByLabel('Scheduled from').inputValue(), await localInput(page, now - 4 * DAY));

    // The state filter applies within the range.
    await api('POST', `/v1/jobs/${threeDaysAgo}/cancel`);
    await page.getByLabel('State').selectOption('SCHEDULED');
    await page.getByText('No job.').waitFor();
    await page.getByLabel('State').selectOption('CANCELED');
    t.deepEqual(await listedJobs(page, 1), [threeDaysAgo]);

    await page.getByRole('button', {name: 'All'}).click();
    t.deepEqual(await listedJobs(page, 1), [threeDaysAgo]);
    await page.getByLabel('State').selectOption('');
    t.true((await listedJobs(page, 5)).includes(monthAgo));
    t.regex(page.url(), /#\/tasks\/archive$/u);
    t.deepEqual(pageErrors, []);
  });

  test('Older pages within the time range: the next page holds the rest of the range and nothing before it', async (t) => {
    const {api, context, url} = await startDashboard(t);
    const now = Date.now();

    await api('PUT', '/v1/tasks/busy', {schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 30_000});
    await api('POST', '/v1/tasks/busy/pause');

    const recent: number[] = [];
    const old: number[] = [];

    // 28 jobs in the last hour, newest first as the page lists them, and 3 two days ago.
    for (let minutes = 1; minutes <= 28; minutes++) {
      recent.push((await api<Job>('POST', '/v1/tasks/busy/jobs', {runAt: new Date(now - minutes * 60_000).toISOString()})).body.id);
    }

    for (let hours = 48; hours < 51; hours++) {
      old.push((await api<Job>('POST', '/v1/tasks/busy/jobs', {runAt: new Date(now - hours * HOUR).toISOString()})).body.id);
    }

    const page = await context.newPage();

    await page.goto(`${url}/#/tasks/busy?last=24h`);
    await page.getByLabel('Token (admin or read)').fill(READ);
    await page.getByRole('button', {name: 'Sign in'}).click();
    t.deepEqual(await listedJobs(page, 25), recent.slice(0, 25));

    await page.getByRole('button', {name: 'Older'}).click();
    t.deepEqual(await listedJobs(page, 3), recent.slice(25));
    t.is(await page.getByRole('button', {name: 'Older'}).count(), 0);

    // Without the range: the slot of 2099 first, and the second page goes on to the old jobs.
    await page.getByRole('button', {name: 'All'}).click();
    await page.getByRole('button', {name: 'Older'}).click();
    t.deepEqual(await listedJobs(page, 7), [...recent.slice(24), ...old]);
  });
});
