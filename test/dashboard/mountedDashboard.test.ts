/**
 * The dashboard of Planton mounted under `/planton` of a user's Fastify app, in headless Chromium:
 * its page, files, API calls, session cookie and live log all stay under the prefix. Waits for what
 * the page shows, never for a time.
 */
import test from 'ava';
import type {Page} from 'playwright-core';
import {createDeferred} from '../helpers/createManualClock.ts';
import {ADMIN, READ, requireChromium, startDashboard} from './helpers/startDashboard.ts';

type Job = {readonly id: number};
type Task = {readonly paused: boolean};

const signIn = async (page: Page, url: string, token: string) => {
  await page.goto(url);
  await page.getByLabel('Token (admin or read)').fill(token);
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.getByRole('heading', {name: 'Tasks'}).waitFor();
};

requireChromium(() => {
  test('under /planton, a read token signs in, sees the tasks and no buttons; an admin pauses a task and follows a job\'s live log', async (t) => {
    const {api, context, pageErrors, scheduler, url} = await startDashboard(t, {prefix: '/planton'});
    const release = createDeferred<void>();
    const requested: string[] = [];

    t.regex(url, /\/planton$/u);
    await api('PUT', '/v1/tasks/cleanup', {schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 60_000});
    scheduler.addProcessor('cleanup', async (job) => {
      await job.log('first line');
      await release.promise;
    });

    const page = await context.newPage();

    page.on('request', (request) => {
      requested.push(new URL(request.url()).pathname);
    });

    // Without the trailing slash, the server sends the browser to `/planton/`.
    await signIn(page, url, READ);
    t.is(new URL(page.url()).pathname, '/planton/');
    await page.locator('tr[data-task="cleanup"]').waitFor();
    t.true(await page.getByText('grafana (read)').isVisible());
    await page.getByRole('link', {name: 'cleanup'}).click();
    await page.getByRole('heading', {name: 'cleanup'}).waitFor();
    t.is(await page.getByRole('button', {name: 'Pause'}).count(), 0);
    t.is(await page.getByRole('button', {name: 'Run now'}).count(), 0);

    const cookies = await context.cookies();

    t.like(cookies.find(({name}) => name === 'planton_session'), {path: '/planton'});

    await page.getByRole('button', {name: 'Sign out'}).click();
    await page.getByLabel('Token (admin or read)').fill(ADMIN);
    await page.getByRole('button', {name: 'Sign in'}).click();
    await page.getByRole('heading', {name: 'cleanup'}).waitFor();
    await page.getByRole('button', {name: 'Pause'}).click();
    await page.locator('#task-heading .badge', {hasText: 'paused'}).waitFor();
    t.like((await api<Task>('GET', '/v1/tasks/cleanup')).body, {paused: true});

    // A paused task's jobs are not claimed: resumed, its job runs.
    await api('POST', '/v1/tasks/cleanup/resume');

    const {body: job} = await api<Job>('POST', '/v1/tasks/cleanup/jobs', {});

    await page.goto(`${url}/#/jobs/${job.id}`);
    await page.getByText('first line').waitFor();
    release.resolve();
    await page.locator('[data-state="DONE"]').waitFor();

    // Everything the page asked for was under the prefix: its files, the API, the session, the stream.
    t.deepEqual(requested.filter((path) => !path.startsWith('/planton')), []);
    t.true(requested.includes(`/planton/v1/jobs/${job.id}/logs/stream`));
    t.deepEqual(pageErrors, []);
  });
});
