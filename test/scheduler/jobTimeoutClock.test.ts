/**
 * A job's timeout is a duration: it fires after that much monotonic time, whatever the wall clock
 * does meanwhile (an NTP step of an hour, either way).
 */
import test from 'ava';
import {createMemorySchedulerStore, type Job} from '../../src/scheduler/index.ts';
import {flush} from '../helpers/createManualClock.ts';
import {until} from '../helpers/until.ts';
import {createHarness, recordSchedulerEvents} from './helpers/createHarness.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Runs until its job is aborted (by the timeout). */
const hang = async (job: Job): Promise<void> => {
  await new Promise<void>((resolve) => {
    job.signal.addEventListener('abort', () => {
      resolve();
    }, {once: true});
  });
};

test('a wall clock stepped back an hour while a job runs: its timeout fires after the timeout, not an hour late', async (t) => {
  const h = await createHarness(t, async () => ({store: createMemorySchedulerStore()}));
  const scheduler = await h.createScheduler();
  const events = recordSchedulerEvents(scheduler);
  const started: string[] = [];

  await scheduler.schedule({name: 'hung', schedule: {date: '2026-01-01T00:01:00.000Z'}, timeout: 1_000});
  scheduler.addProcessor('hung', async (job) => {
    started.push(job.taskName);
    await hang(job);
  });
  await h.clock.advance(MINUTE);
  await until(() => started.length === 1);

  h.clock.jump(-HOUR);
  await h.clock.advance(999);
  t.is(events.timeout.length, 0, 'not before its timeout');

  await h.clock.advance(1);
  await until(() => events.timeout.length === 1);
  t.is(events.timeout[0]?.job.taskName, 'hung');
});

test('a wall clock stepped forward an hour while jobs run: a job times out after its own timeout, not at the next timer that fires', async (t) => {
  const h = await createHarness(t, async () => ({store: createMemorySchedulerStore()}));
  const scheduler = await h.createScheduler();
  const events = recordSchedulerEvents(scheduler);
  const started: string[] = [];

  await scheduler.schedule({name: 'short', schedule: {date: '2026-01-01T00:01:00.000Z'}, timeout: 1_000});
  await scheduler.schedule({name: 'long', schedule: {date: '2026-01-01T00:01:00.000Z'}, timeout: 2_000});

  for (const name of ['short', 'long']) {
    scheduler.addProcessor(name, async (job) => {
      started.push(job.taskName);
      await hang(job);
    });
  }

  await h.clock.advance(MINUTE);
  await until(() => started.length === 2);

  h.clock.jump(HOUR);
  await h.clock.advance(1_000);
  await until(() => events.timeout.length >= 1);
  await flush();
  t.deepEqual(events.timeout.map(({job}) => job.taskName), ['short'], 'the 2 s job has run for 1 s only');

  await h.clock.advance(1_000);
  await until(() => events.timeout.length === 2);
  t.deepEqual(events.timeout.map(({job}) => job.taskName), ['short', 'long']);
});
