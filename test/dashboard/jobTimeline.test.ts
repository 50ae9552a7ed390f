/**
 * The job page's timeline, in headless Chromium: a job that fails once and succeeds on its retry shows
 * both attempts (the first with its error code and log dates, the second as the retry) and its end;
 * a job waiting for its retry shows the failure's code and when the retry runs.
 */
import test from 'ava';
import {ADMIN, requireChromium, startDashboard} from './helpers/startDashboard.ts';

type Job = {readonly attempt: number; readonly id: number; readonly runAt: string; readonly state: string};

const fail = (code: string, message: string) => Object.assign(new Error(message), {code});

requireChromium(() => {
  test('a job that failed once and succeeded on its retry shows both attempts, the failure\'s code, and its end', async (t) => {
    const {api, context, pageErrors, scheduler, url} = await startDashboard(t);

    await api('PUT', '/v1/tasks/flaky', {retry: {attempts: 2, backoff: {delay: 50, type: 'fixed'}}, schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 30_000});
    scheduler.addProcessor('flaky', async (job) => {
      await job.log(`try ${job.attempt}`);

      if (job.attempt === 1) {
        throw fail('UPSTREAM_DOWN', 'the upstream answered 503');
      }
    });

    const {body: created} = await api<Job>('POST', '/v1/tasks/flaky/jobs', {});
    const page = await context.newPage();

    await page.goto(`${url}/#/jobs/${created.id}`);
    await page.getByLabel('Token (admin or read)').fill(ADMIN);
    await page.getByRole('button', {name: 'Sign in'}).click();
    await page.locator('[data-state="DONE"]').waitFor();

    const timeline = page.locator('ol.timeline');

    await timeline.locator('li[data-event="ended"]', {hasText: 'Succeeded'}).waitFor();
    t.deepEqual(await timeline.locator('li').evaluateAll((items) => items.map((item) => item.getAttribute('data-event'))), ['created', 'scheduled', 'attempt-1', 'attempt-2', 'ended']);

    const first = await timeline.locator('li[data-event="attempt-1"]').innerText();

    t.regex(first, /^Attempt 1 .*failed with UPSTREAM_DOWN the upstream answered 503/u);
    // Its start is not kept: it stands at its log line's date.
    const {body: {logs}} = await api<{logs: Array<{attempt: number; date: string}>}>('GET', `/v1/jobs/${created.id}/logs`);

    t.regex(first, /\(first log line\)/u);
    t.is(await timeline.locator('li[data-event="attempt-1"] time').getAttribute('datetime'), logs.find(({attempt}) => attempt === 1)?.date ?? null);
    t.regex(await timeline.locator('li[data-event="attempt-2"]').innerText(), /^Attempt 2 started \(retry\)/u);
    t.like((await api<Job>('GET', `/v1/jobs/${created.id}`)).body, {attempt: 2, state: 'DONE'});
    t.deepEqual(pageErrors, []);
  });

  test('a job waiting for its retry shows the failed attempt\'s code and when the retry runs', async (t) => {
    const {api, context, scheduler, url} = await startDashboard(t);

    await api('PUT', '/v1/tasks/patient', {retry: {attempts: 3, backoff: {delay: 3_600_000, type: 'fixed'}}, schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 30_000});
    scheduler.addProcessor('patient', async () => {
      throw fail('NOT_YET', 'come back later');
    });

    const {body: created} = await api<Job>('POST', '/v1/tasks/patient/jobs', {});
    const page = await context.newPage();

    await page.goto(`${url}/#/jobs/${created.id}`);
    await page.getByLabel('Token (admin or read)').fill(ADMIN);
    await page.getByRole('button', {name: 'Sign in'}).click();
    await page.locator('[data-state="WAITING"]').waitFor();

    const {body: job} = await api<Job>('GET', `/v1/jobs/${created.id}`);
    const timeline = page.locator('ol.timeline');
    const next = timeline.locator('li[data-event="next"]');

    await next.waitFor();
    t.regex(await timeline.locator('li[data-event="attempt-1"]').innerText(), /^Attempt 1 started .*failed with NOT_YET come back later/u);
    t.regex(await next.innerText(), /^Retry \(attempt 2\) at .*in (59|60) min/u);
    t.is(await next.locator('time').getAttribute('datetime'), job.runAt);
    t.is(await timeline.locator('li[data-event="ended"]').count(), 0);
  });
});
