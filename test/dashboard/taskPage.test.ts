/**
 * The dashboard's task page and the admin's other buttons, in headless Chromium: signing in by
 * keyboard alone, Pause and Resume, Run now, the jobs filtered by state, Reschedule and Cancel on a job
 * scheduled ahead, the chart of the last 24 hours. Waits for what the page shows, never for a time.
 */
import test from 'ava';
import {until} from '../helpers/until.ts';
import {ADMIN, requireChromium, startDashboard} from './helpers/startDashboard.ts';

type Job = {readonly id: number; readonly state: string};
type Task = {readonly paused: boolean};

requireChromium(() => {
  test('signed in by keyboard, an admin pauses and resumes a task, runs it now, and filters its jobs', async (t) => {
    const {api, context, scheduler, url} = await startDashboard(t);

    await api('PUT', '/v1/tasks/cleanup', {schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 30_000});
    scheduler.addProcessor('cleanup', async (job) => {
      await job.log('cleaned');
    });

    const page = await context.newPage();

    await page.goto(`${url}/`);
    // The token field has the focus: type, Enter, then Tab to the task's link and Enter.
    await page.getByLabel('Token (admin or read)').waitFor();
    await page.keyboard.type(ADMIN);
    await page.keyboard.press('Enter');
    await page.locator('tr[data-task="cleanup"]').waitFor();

    const link = page.getByRole('link', {name: 'cleanup'});

    for (let presses = 0; presses < 20 && !await link.evaluate((element) => element === element.ownerDocument.activeElement); presses++) {
      await page.keyboard.press('Tab');
    }

    await page.keyboard.press('Enter');
    await page.getByRole('heading', {name: 'cleanup'}).waitFor();
    t.regex(page.url(), /#\/tasks\/cleanup$/u);

    await page.getByRole('button', {name: 'Pause'}).click();
    await page.locator('#task-heading .badge', {hasText: 'paused'}).waitFor();
    t.like((await api<Task>('GET', '/v1/tasks/cleanup')).body, {paused: true});

    await page.getByRole('button', {name: 'Resume'}).click();
    await page.getByRole('button', {name: 'Pause'}).waitFor();
    t.like((await api<Task>('GET', '/v1/tasks/cleanup')).body, {paused: false});

    await page.getByRole('button', {name: 'Run now'}).click();
    await page.locator('tr[data-job]', {hasText: 'DONE'}).waitFor();

    await page.getByLabel('State').selectOption('SCHEDULED');
    // The slot job of 2099 stays; the one-off job that ran is filtered out.
    await page.locator('tr[data-job]', {hasText: 'DONE'}).waitFor({state: 'detached'});
    t.is(await page.locator('tr[data-job]', {hasText: 'SCHEDULED'}).count(), 1);
  });

  test('Reschedule with the date picker moves a job scheduled ahead, and Cancel cancels it', async (t) => {
    const {api, context, url} = await startDashboard(t);

    await api('PUT', '/v1/tasks/later', {schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 30_000});

    const {body: job} = await api<Job>('POST', '/v1/tasks/later/jobs', {runAt: '2098-01-01T00:00:00Z'});
    const page = await context.newPage();

    await page.goto(`${url}/#/jobs/${job.id}`);
    await page.getByLabel('Token (admin or read)').fill(ADMIN);
    await page.getByRole('button', {name: 'Sign in'}).click();
    await page.locator('[data-state="SCHEDULED"]').waitFor();

    // The picker's value is the viewer's local time, which the page sends as an instant.
    const offset = await page.evaluate(() => new Date('2097-06-01T10:00').toISOString());

    await page.getByLabel('Run at').fill('2097-06-01T10:00');
    await page.getByRole('button', {name: 'Reschedule'}).click();
    await page.locator(`.fields time[datetime="${offset}"]`).waitFor();
    t.like((await api<Job & {runAt: string}>('GET', `/v1/jobs/${job.id}`)).body, {runAt: offset, state: 'SCHEDULED'});

    await page.getByRole('button', {name: 'Cancel'}).click();
    await page.locator('[data-state="CANCELED"]').waitFor();
    t.like((await api<Job>('GET', `/v1/jobs/${job.id}`)).body, {state: 'CANCELED'});
    // A canceled job may be retried.
    t.true(await page.getByRole('button', {name: 'Retry'}).isVisible());
  });

  test('the task page charts the last 24 hours: its success rate and each job\'s duration', async (t) => {
    const {api, context, pageErrors, scheduler, url} = await startDashboard(t);
    let calls = 0;

    await api('PUT', '/v1/tasks/import', {retry: {attempts: 1, backoff: {delay: 1000, type: 'fixed'}}, schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 30_000});
    scheduler.addProcessor('import', async () => {
      calls++;

      if (calls === 2) {
        throw Object.assign(new Error('bad row'), {code: 'BAD_ROW'});
      }
    });

    const jobs = [(await api<Job>('POST', '/v1/tasks/import/jobs', {})).body, (await api<Job>('POST', '/v1/tasks/import/jobs', {})).body];

    await until(async () => {
      const states = await Promise.all(jobs.map(async ({id}) => (await api<Job>('GET', `/v1/jobs/${id}`)).body.state));

      return states.every((state) => state === 'DONE' || state === 'ERROR');
    });

    const page = await context.newPage();

    await page.goto(`${url}/#/tasks/import`);
    await page.getByLabel('Token (admin or read)').fill(ADMIN);
    await page.getByRole('button', {name: 'Sign in'}).click();
    await page.locator('.rate', {hasText: '1 of 2 succeeded (50%)'}).waitFor();
    await page.locator('.chart canvas').waitFor();
    t.true(await page.locator('.chart .u-legend', {hasText: 'failed'}).isVisible());
    t.deepEqual(pageErrors, []);
  });
});
