/**
 * The job page's log when its stream is opened again: a browser that gave up a stream (an error
 * answer) opens a new one after 15 s of the page's time, which sends the log from its start (a new
 * EventSource has no `Last-Event-ID`). The entries it sends again replace those shown, by their
 * event id (the entry's index), instead of being added twice.
 */
import test from 'ava';
import type {Route} from 'playwright-core';
import {toJobLogEntryBody} from '../../src/server/toJobLogEntryBody.ts';
import {createDeferred} from '../helpers/createManualClock.ts';
import {until} from '../helpers/until.ts';
import {ADMIN, requireChromium, startDashboard} from './helpers/startDashboard.ts';

requireChromium(() => {
  test('a log stream opened again after the browser gave one up shows each entry once', async (t) => {
    const {api, context, pageErrors, scheduler, url} = await startDashboard(t);
    const gate = createDeferred<void>();
    const release = createDeferred<void>();

    await api('PUT', '/v1/tasks/logs', {schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 120_000});
    scheduler.addProcessor('logs', async (job) => {
      await job.log('one');
      await job.log('two');
      await gate.promise;
      await job.log('three');
      await release.promise;
    });
    t.teardown(() => {
      gate.resolve();
      release.resolve();
    });

    const {body: job} = await api<{readonly id: number}>('POST', '/v1/tasks/logs/jobs', {});
    let logs: ReadonlyArray<Record<string, unknown>> = [];

    await until(async () => {
      logs = (await scheduler.getJobLogs(job.id)).map(toJobLogEntryBody);

      return logs.length === 2;
    });

    // The first stream sends the two entries and ends (the browser reconnects); the second is
    // refused (the browser gives it up); the third is the server's own, from the log's start.
    let streams = 0;
    const streamPath = `**/v1/jobs/${job.id}/logs/stream`;
    const tab = await context.newPage();

    await tab.route(streamPath, async (route: Route) => {
      streams++;

      if (streams === 1) {
        await route.fulfill({
          body: logs.map((entry, index) => `id: ${index}\nevent: log\ndata: ${JSON.stringify(entry)}\n\n`).join(''),
          headers: {'content-type': 'text/event-stream'},
          status: 200,
        });
      } else if (streams === 2) {
        await route.fulfill({body: '{"code":"BAD_GATEWAY"}', status: 502});
      } else {
        await route.continue();
      }
    });
    await tab.clock.install();
    await tab.goto(`${url}/#/jobs/${job.id}`);
    await tab.getByLabel('Token (admin or read)').fill(ADMIN);
    await tab.getByRole('button', {name: 'Sign in'}).click();
    await tab.locator('.log li', {hasText: 'two'}).waitFor();
    await until(() => streams === 2);

    // The page opens the stream again 15 s (of its time) after the browser gave it up.
    await tab.clock.runFor(16_000);
    await until(() => streams === 3);
    gate.resolve();
    // The third entry comes after the two sent again on the same stream: once it shows, they were handled.
    await tab.locator('.log li', {hasText: 'three'}).waitFor();
    t.is(await tab.locator('.log li').count(), 3, 'one, two, three: each once');
    release.resolve();
    t.deepEqual(pageErrors, []);
  });
});
