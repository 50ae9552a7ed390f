/** Schedules: cron, interval, one-shot (with repeat), reschedule, time zones. */
import type {Job} from '../../scheduler/index.ts';
import type {DefineSchedulerStoreTestsConfiguration, KitTest} from '../types.ts';
import {until} from '../until.ts';
import {createHarness, recordSchedulerEvents} from './createHarness.ts';
import {MINUTE, at, iso} from './helpers.ts';

export const defineScheduleTests = (test: KitTest, title: (text: string) => string, createStore: DefineSchedulerStoreTestsConfiguration['createStore']): void => {
  test(title('a cron task runs one job per slot, with its id, slot, attempt and payload, and getTask reports it'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const events = recordSchedulerEvents(scheduler);
    const jobs: Job[] = [];

    const info = await scheduler.schedule({name: 'minutely', payload: {table: 'users'}, schedule: '* * * * *', timeout: 10_000});

    t.is(iso(info.nextRunAt ?? 0), at('00:01:00'));
    t.is(iso(info.nextJob?.date ?? 0), at('00:01:00'), 'the next job exists before it runs');

    scheduler.addProcessor('minutely', async (job) => {
      jobs.push(job);
    });

    for (let slot = 1; slot <= 3; slot++) {
      await h.clock.advance(MINUTE);
      await until(() => events.succeeded.length === slot);
    }

    t.deepEqual(jobs.map((job) => iso(job.scheduledFor)), [at('00:01:00'), at('00:02:00'), at('00:03:00')]);
    t.like(jobs[0], {attempt: 1, payload: {table: 'users'}, slotCount: 1, taskName: 'minutely'});
    t.is(typeof jobs[0]?.id, 'number');

    const task = await scheduler.getTask('minutely');

    t.like(task, {concurrency: 1, lastFailure: null, lastJob: {id: jobs[2]?.id, status: 'succeeded'}, lastSuccess: {id: jobs[2]?.id}, name: 'minutely'});
    t.is(iso(task?.nextRunAt ?? 0), at('00:04:00'));
    t.deepEqual((await scheduler.listTasks()).map((listed) => listed.name), ['minutely']);
    t.deepEqual(events.error, []);
  });

  test(title('an interval task runs at every multiple of its period'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const events = recordSchedulerEvents(scheduler);

    await scheduler.schedule({name: 'every-10s', schedule: '10s', timeout: 5_000});
    scheduler.addProcessor('every-10s', (job) => {
      void job.done();
    });

    for (let slot = 1; slot <= 3; slot++) {
      await h.clock.advance(10_000);
      await until(() => events.succeeded.length === slot);
    }

    t.deepEqual(events.succeeded.map(({job}) => iso(job.scheduledFor)), [at('00:00:10'), at('00:00:20'), at('00:00:30')]);
  });

  test(title('a one-shot job exists ahead of its date, runs at it, and a canceled one never runs'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const events = recordSchedulerEvents(scheduler);

    const reminder = await scheduler.schedule({name: 'reminder', schedule: {date: at('00:05:00')}, timeout: 5_000});
    const canceled = await scheduler.schedule({name: 'canceled', schedule: {date: at('00:05:00')}, timeout: 5_000});

    scheduler.addProcessor('reminder', async () => undefined);
    scheduler.addProcessor('canceled', async () => undefined);

    t.like(await scheduler.getJob(reminder.nextJob?.id ?? 0), {state: 'SCHEDULED'});
    t.like(await scheduler.cancel(canceled.nextJob?.id ?? 0), {state: 'CANCELED'});
    await t.throwsAsync(scheduler.cancel(canceled.nextJob?.id ?? 0), {code: 'INVALID_JOB_STATE'});
    await t.throwsAsync(scheduler.cancel(987_654), {code: 'UNKNOWN_JOB'});

    await h.clock.advance(4 * MINUTE);
    t.is(events.succeeded.length, 0);
    await h.clock.advance(MINUTE);
    await until(() => events.succeeded.length === 1);
    await h.clock.advance(10 * MINUTE);

    t.deepEqual(events.succeeded.map(({job}) => job.taskName), ['reminder']);
    t.like(await scheduler.getJob(reminder.nextJob?.id ?? 0), {state: 'DONE'});
    t.is((await scheduler.getTask('reminder'))?.nextRunAt, null);
  });

  test(title('reschedule moves a job to another date'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler({pollInterval: 1_000});
    const events = recordSchedulerEvents(scheduler);
    const task = await scheduler.schedule({name: 'moved', schedule: {date: at('00:10:00')}, timeout: 5_000});

    scheduler.addProcessor('moved', async () => undefined);

    const moved = await scheduler.reschedule(task.nextJob?.id ?? 0, new Date(at('00:02:00')));

    t.is(iso(moved.runAt), at('00:02:00'));
    await h.clock.advance(2 * MINUTE);
    await until(() => events.succeeded.length === 1);
    t.is(iso(h.clock.now()), at('00:02:00'));
    t.is(iso(events.succeeded[0]?.job.startedAt ?? 0), at('00:02:00'));
  });

  test(title('a one-shot with repeat runs at its date and then every period after'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const events = recordSchedulerEvents(scheduler);

    await scheduler.schedule({name: 'repeat', schedule: {date: at('00:01:00'), repeat: {m: 2}}, timeout: 5_000});
    scheduler.addProcessor('repeat', async () => undefined);

    for (let slot = 1; slot <= 3; slot++) {
      await h.clock.advance(slot === 1 ? MINUTE : 2 * MINUTE);
      await until(() => events.succeeded.length === slot);
    }

    t.deepEqual(events.succeeded.map(({job}) => iso(job.scheduledFor)), [at('00:01:00'), at('00:03:00'), at('00:05:00')]);
  });

  test(title('a daily 02:30 job in Europe/Berlin runs once a day across both DST transitions'), async (t) => {
    const h = await createHarness(t, createStore, Date.parse('2026-03-27T12:00:00.000Z'));
    const scheduler = await h.createScheduler({pollInterval: 86_400_000});
    const ran: string[] = [];

    await scheduler.schedule({name: 'berlin', schedule: '30 2 * * *', timeout: 5_000, timezone: 'Europe/Berlin'});
    scheduler.addProcessor('berlin', async (job) => {
      ran.push(iso(job.scheduledFor));
    });

    const advanceDays = async (days: number) => {
      for (let day = 0; day < days; day++) {
        const expected = ran.length + 1;

        await h.clock.advance(86_400_000);
        await until(() => ran.length === expected);
      }
    };

    await advanceDays(3);
    t.deepEqual(ran, ['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
  });
};
