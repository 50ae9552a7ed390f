/** Input: payloads, bad configuration, hostile task names, replacing a task, a processor added late. */
import type {DefineSchedulerStoreTestsConfiguration, KitTest} from '../types.ts';
import {until} from '../until.ts';
import {createHarness} from './createHarness.ts';
import {at} from './helpers.ts';

export const defineInputTests = (test: KitTest, title: (text: string) => string, createStore: DefineSchedulerStoreTestsConfiguration['createStore']): void => {
  test(title('a payload JSON cannot hold as given (bigint, circular, nested too deep, a function, NaN) is refused with INVALID_PAYLOAD, and nothing is stored'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const circular: Record<string, unknown> = {table: 'users'};
    let deep: unknown = {};

    circular.self = circular;

    for (let level = 0; level < 100_000; level++) {
      deep = [deep];
    }

    for (const [payload, message] of [
      [{ids: [1, 2n]}, /^Expected `payload` to be a JSON value, got `payload\.ids\[1\]`: a bigint\.$/u],
      [circular, /`payload\.self`: a circular reference/u],
      [deep, /nested deeper than 1000 levels/u],
      [{run: () => undefined}, /`payload\.run`: a function/u],
      [{ratio: Number.NaN}, /`payload\.ratio`: `NaN`/u],
    ] as const) {
      t.throws(() => scheduler.schedule({name: 'bad-payload', payload, schedule: '1m', timeout: 1_000}), {code: 'INVALID_PAYLOAD', message});
    }

    t.deepEqual(await scheduler.listTasks(), []);

    // What JSON holds as JSON.stringify writes it is fine: dates, undefined members, shared references, nesting up to the limit.
    const shared = {id: 1};
    let deepest: unknown = 'leaf';

    for (let level = 1; level < 1_000; level++) {
      deepest = [deepest];
    }

    const task = await scheduler.schedule({name: 'good-payload', payload: {a: shared, at: new Date(0), b: shared, deepest, skipped: undefined}, schedule: '1m', timeout: 1_000});

    t.deepEqual(JSON.parse(JSON.stringify(task.payload)), {a: {id: 1}, at: '1970-01-01T00:00:00.000Z', b: {id: 1}, deepest: JSON.parse(JSON.stringify(deepest))});
  });

  test(title('bad input gets a clear coded error'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();

    t.throws(() => scheduler.schedule({name: 'bad-cron', schedule: '61 * * * *', timeout: 1_000}), {code: 'INVALID_CRON_EXPRESSION', message: /minute field `61`/u});
    t.throws(() => scheduler.schedule({name: 'bad-unit', schedule: {date: at('00:01:00'), repeat: {fortnights: 1} as never}, timeout: 1_000}), {code: 'UNKNOWN_REPEAT_UNIT'});
    t.throws(() => scheduler.schedule({name: 'bad-timeout', schedule: '1m', timeout: -1}), {code: 'INVALID_TIMEOUT'});
    t.throws(() => scheduler.schedule({concurrency: 0, name: 'bad-concurrency', schedule: '1m', timeout: 1}), {code: 'INVALID_SCHEDULER_CONFIGURATION', message: /`concurrency`.*`0`/u});
    t.throws(() => scheduler.addProcessor('nope', async () => undefined), {code: 'UNKNOWN_TASK'});

    await scheduler.schedule({name: 'dup', schedule: '1m', timeout: 1_000});
    t.throws(() => scheduler.schedule({name: 'dup', schedule: '1m', timeout: 1_000}), {code: 'DUPLICATE_TASK_NAME'});
    scheduler.addProcessor('dup', async () => undefined);
    t.throws(() => scheduler.addProcessor('dup', async () => undefined), {code: 'DUPLICATE_TASK_NAME'});
    t.deepEqual((await scheduler.listTasks()).map((task) => task.name), ['dup']);
  });

  // Found by test/fuzz/schedulerTasks.test.ts: the memory store took these names, the PostgreSQL one failed with a driver's error.
  test(title('a task name no store can hold (NUL, a lone surrogate, over 1,000 bytes) is INVALID_SCHEDULER_CONFIGURATION; quotes and SQL are fine'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();

    for (const name of ['a\u0000b', 'a\uD800', 'é'.repeat(501)]) {
      t.throws(() => scheduler.schedule({name, schedule: '1m', timeout: 1_000}), {code: 'INVALID_SCHEDULER_CONFIGURATION', message: /`name`/u});
      t.is(await scheduler.getTask(name), null);
      t.false(await scheduler.unschedule(name));
    }

    const quoted = '\'; DROP TABLE scheduled_task; --"'.padEnd(1_000, 'x');

    await scheduler.schedule({name: quoted, schedule: '1m', timeout: 1_000});
    t.is((await scheduler.getTask(quoted))?.name, quoted);
    t.deepEqual((await scheduler.listTasks()).map((task) => task.name), [quoted]);
  });

  test(title('schedule with replace saves a task scheduled here again in place: an unchanged schedule keeps its pending job, a changed one starts afresh, a one-off job stays'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();

    await scheduler.schedule({name: 'report', schedule: '0 3 * * *', timeout: 1_000});

    const [slot] = (await scheduler.listJobs({taskName: 'report'})).jobs;
    const oneOff = await scheduler.runTask('report', {runAt: at('05:00:00')});
    const replaced = await scheduler.schedule({name: 'report', payload: 'v2', schedule: '0 3 * * *', timeout: 2_000}, {replace: true});

    t.like(replaced, {payload: 'v2', timeout: 2_000});
    t.deepEqual((await scheduler.listJobs({states: ['SCHEDULED'], taskName: 'report'})).jobs.map((job) => job.id).sort(), [slot?.id, oneOff.id].sort());

    await scheduler.schedule({name: 'report', schedule: '0 4 * * *', timeout: 2_000}, {replace: true});

    const pending = (await scheduler.listJobs({states: ['SCHEDULED'], taskName: 'report'})).jobs;

    t.false(pending.some((job) => job.id === slot?.id), 'the old slot job went');
    t.true(pending.some((job) => job.id === oneOff.id), 'the one-off job stayed');
    t.true(pending.some((job) => job.kind === 'SLOT' && job.scheduledFor === Date.parse(at('04:00:00'))));
    // A failed replacement leaves the task scheduled here: a second plain schedule is still a duplicate.
    t.throws(() => scheduler.schedule({name: 'report', schedule: '61 * * * *', timeout: 1_000}, {replace: true}), {code: 'INVALID_CRON_EXPRESSION'});
    t.throws(() => scheduler.schedule({name: 'report', schedule: '0 4 * * *', timeout: 1_000}), {code: 'DUPLICATE_TASK_NAME'});
    t.throws(() => scheduler.schedule({name: 'report', schedule: '0 4 * * *', timeout: 1_000}, {replace: 'yes' as never}), {code: 'INVALID_SCHEDULER_CONFIGURATION'});
  });

  test(title('a job due now whose processor is added right after schedule() runs in the round that follows, without the clock moving'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const ran: number[] = [];

    for (let index = 0; index < 5; index++) {
      const name = `now-${index}`;

      await scheduler.schedule({name, schedule: {date: at('00:00:00')}, timeout: 1_000});
      scheduler.addProcessor(name, () => {
        ran.push(index);
      });
      // No clock.advance: a round that claimed before the processor was known must not swallow the request it made.
      await until(() => ran.includes(index), 10_000);
    }

    t.deepEqual(ran, [0, 1, 2, 3, 4]);
  });
};
