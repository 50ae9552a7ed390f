/**
 * The overview's Dispatch panel, in headless Chromium: a memory dispatch store's counts per task
 * and the reaper's recent work, a store without a summary as not supported; no panel on a server
 * without dispatch stores.
 */
import test from 'ava';
import {createMemoryStore} from '../../src/adapters/memory/index.ts';
import {createManualClock} from '../helpers/createManualClock.ts';
import {READ, requireChromium, startDashboard} from './helpers/startDashboard.ts';

requireChromium(() => {
  test('the Dispatch panel shows each task\'s running, completed, failed, terminated and dead counts and the reaper\'s work', async (t) => {
    // The store's clock starts 2 minutes ago, so that its ends are in the page's last 24 h.
    const clock = createManualClock(Date.now() - 120_000);
    const store = createMemoryStore<string>({clock, heartbeatInterval: 3_600_000, reaperInterval: 0});

    t.teardown(async () => {
      await store.terminate();
    });
    await store.registerTask({maxAttempts: 1, maxExecutionDuration: 60_000, name: 'emails'});
    await store.registerTask({name: 'reports'});

    const [a, b, c, d] = await store.claimExecutions({claim: () => ['a', 'b', 'c', 'd', 'poison-row-42'], limit: 5, taskName: 'emails'});

    await store.completeExecutions([{executionId: a?.executionId ?? 0}, {executionId: b?.executionId ?? 0}, {executionId: c?.executionId ?? 0}]);
    await store.failExecution({executionId: d?.executionId ?? 0}, new Error('smtp down'));
    await clock.advance(61_000);

    const [reaped] = await store.reap();

    t.is(reaped?.instruction, 'poison-row-42');

    const {context, pageErrors, url} = await startDashboard(t, {dispatchStores: [{name: 'orders-db', store}, {name: 'legacy', store: {}}]});
    const page = await context.newPage();

    await page.goto(`${url}/`);
    await page.getByLabel('Token (admin or read)').fill(READ);
    await page.getByRole('button', {name: 'Sign in'}).click();
    await page.getByRole('heading', {name: 'Dispatch'}).waitFor();

    const row = page.locator('[data-dispatch-store="orders-db"] tr[data-dispatch-task="emails"]');
    const count = async (kind: string) => await row.locator(`[data-count="${kind}"]`).innerText();

    await row.waitFor();
    t.deepEqual({completed: await count('completed'), dead: await count('dead'), failed: await count('failed'), running: await count('running'), terminated: await count('terminated')}, {completed: '3', dead: '2', failed: '1', running: '0', terminated: '1'});
    t.is(await page.locator('[data-dispatch-store="orders-db"] tr[data-dispatch-task="reports"] [data-count="completed"]').innerText(), '0');
    t.regex(await page.locator('[data-dispatch-store="orders-db"] [data-reaper-terminated]').innerText(), /Reaper: 1 execution terminated in the last 24 h/u);
    t.regex(await page.locator(`[data-dispatch-store="orders-db"] li[data-execution="${reaped?.executionId}"]`).innerText(), /emails execution #\d+ \(poison-row-42\)/u);
    t.regex(await page.locator('[data-dispatch-store="legacy"]').innerText(), /Not supported/u);
    t.deepEqual(pageErrors, []);
  });

  test('without dispatch stores the overview has no Dispatch panel', async (t) => {
    const {context, pageErrors, url} = await startDashboard(t);
    const page = await context.newPage();

    await page.goto(`${url}/`);
    await page.getByLabel('Token (admin or read)').fill(READ);

    const answered = page.waitForResponse((response) => response.url().endsWith('/v1/dispatch') && response.status() === 200);

    await page.getByRole('button', {name: 'Sign in'}).click();
    await answered;
    await page.getByRole('heading', {name: 'Tasks'}).waitFor();
    t.is(await page.getByRole('heading', {name: 'Dispatch'}).count(), 0);
    t.deepEqual(pageErrors, []);
  });
});
