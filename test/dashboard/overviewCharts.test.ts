/**
 * The overview's charts in headless Chromium: each task's row shows how many of its jobs that ended
 * in the last 24 hours succeeded, with a sparkline of the success rate and one of the duration, drawn
 * from the overview's `stats`. Waits for what the page shows, never for a time.
 */
import test from 'ava';
import {until} from '../helpers/until.ts';
import {ADMIN, requireChromium, startDashboard} from './helpers/startDashboard.ts';

type Job = {readonly id: number; readonly state: string};

requireChromium(() => {
  test('the overview charts each task\'s last 24 hours: 3 of 4 succeeded, sparklines of the outcomes and the duration, in either color scheme', async (t) => {
    const {api, context, pageErrors, scheduler, url} = await startDashboard(t);
    let calls = 0;

    await api('PUT', '/v1/tasks/import', {retry: {attempts: 1, backoff: {delay: 1000, type: 'fixed'}}, schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 30_000});
    await api('PUT', '/v1/tasks/idle', {schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 30_000});
    scheduler.addProcessor('import', async () => {
      calls++;

      if (calls === 3) {
        throw Object.assign(new Error('bad row'), {code: 'BAD_ROW'});
      }
    });

    const jobs: Job[] = [];

    for (let index = 0; index < 4; index++) {
      jobs.push((await api<Job>('POST', '/v1/tasks/import/jobs', {})).body);
    }

    await until(async () => {
      const states = await Promise.all(jobs.map(async ({id}) => (await api<Job>('GET', `/v1/jobs/${id}`)).body.state));

      return states.every((state) => state === 'DONE' || state === 'ERROR');
    });

    const page = await context.newPage();

    await page.emulateMedia({colorScheme: 'light'});
    await page.goto(`${url}/`);
    await page.getByLabel('Token (admin or read)').fill(ADMIN);
    await page.getByRole('button', {name: 'Sign in'}).click();

    const row = page.locator('tr[data-task="import"]');
    const charts = row.getByRole('group', {name: /^import, last 24 hours: 3 of 4 succeeded, longest [\d.]+ (?:ms|s|min)$/u});

    await charts.waitFor();
    t.is(await row.locator('.rate').innerText(), '3 of 4 succeeded');
    t.is(await charts.getByRole('img', {name: 'import: jobs that succeeded (green) and failed (red) per hour'}).locator('canvas').count(), 1);
    t.is(await charts.getByRole('img', {name: 'import: mean duration per hour'}).locator('canvas').count(), 1);
    t.regex(await page.locator('tr[data-task="idle"] .task-stats').innerText(), /none ended/u);

    // The sparklines are drawn again, in the dark scheme's colours: the light ones' canvases go.
    const light = await row.locator('.sparkline canvas').first().elementHandle();

    await page.emulateMedia({colorScheme: 'dark'});
    await until(async () => await light?.evaluate((canvas) => !canvas.isConnected) === true && await row.locator('.sparkline canvas').count() === 2);
    t.deepEqual(pageErrors, []);
  });
});
