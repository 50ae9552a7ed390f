/**
 * The overview's workers, in headless Chromium: a remote worker connected over WebSocket shows with
 * its tasks, its load and the job it runs, and a link to that job.
 */
import test from 'ava';
import {connectWorker} from '../../src/client/index.ts';
import {createDeferred} from '../helpers/createManualClock.ts';
import {READ, requireChromium, startDashboard, WORKER} from './helpers/startDashboard.ts';

type Job = {readonly id: number};

requireChromium(() => {
  test('a connected remote worker shows with its tasks, load and the job it runs', async (t) => {
    const {api, context, pageErrors, url} = await startDashboard(t);
    const release = createDeferred<void>();

    await api('PUT', '/v1/tasks/remote', {schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 120_000});

    // The task exists and the processor is there before the worker says hello.
    const worker = connectWorker({concurrency: 2, name: 'edge-1', token: WORKER, url: `${url.replace(/^http/u, 'ws')}/v1/workers`});

    worker.processor('remote', async (job) => {
      await job.progress(0.25, 'remote step');
      await release.promise;
    });
    t.teardown(async () => {
      release.resolve();
      await worker.close();
    });

    const {body: job} = await api<Job>('POST', '/v1/tasks/remote/jobs', {});
    const page = await context.newPage();

    await page.goto(`${url}/`);
    await page.getByLabel('Token (admin or read)').fill(READ);
    await page.getByRole('button', {name: 'Sign in'}).click();

    const row = page.locator('tr[data-worker="edge-1"]', {hasText: '1 / 2'});

    await row.waitFor();
    t.regex(await row.innerText(), /remote/u);
    await row.getByRole('link', {name: `#${job.id}`}).click();
    await page.locator('[data-state="RUNNING"]').waitFor();
    await page.locator('.log li', {hasText: 'remote step'}).waitFor();

    release.resolve();
    await page.locator('[data-state="DONE"]').waitFor();
    t.deepEqual(pageErrors, []);
  });
});
