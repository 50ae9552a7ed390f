import test from 'ava';
import {createMemorySchedulerStore, createScheduler, type Scheduler} from '../../src/scheduler/index.ts';
import {createOverviewStatsCache} from '../../src/server/createOverviewStatsCache.ts';
import {createManualClock} from '../helpers/createManualClock.ts';
import {until} from '../helpers/until.ts';

const START = Date.parse('2026-01-01T00:00:00.000Z');

/** A scheduler on the memory store and a manual clock, whose `summarizeJobs` calls are counted and, while `hold` is set, wait for it. */
const startScheduler = async (t: {readonly teardown: (callback: () => Promise<void>) => void}) => {
  const clock = createManualClock(START);
  const scheduler = await createScheduler({clock, store: createMemorySchedulerStore(), syncInterval: 0, terminateTimeout: 0});
  const state: {calls: number; hold: Promise<void> | null} = {calls: 0, hold: null};
  const counted: Pick<Scheduler, 'events' | 'summarizeJobs'> = {
    events: scheduler.events,
    summarizeJobs: async (query) => {
      state.calls++;
      await state.hold;

      return await scheduler.summarizeJobs(query);
    },
  };

  t.teardown(async () => {
    await scheduler.terminate();
  });

  return {clock, counted, scheduler, state};
};

test('reads within maxAge share one statistics read; a job that ends sends the next read to the store', async (t) => {
  const {clock, counted, scheduler, state} = await startScheduler(t);
  const cache = createOverviewStatsCache({clock, maxAge: 15_000, scheduler: counted});

  t.teardown(cache.close);
  await Promise.all([cache.read(), cache.read()]);
  await clock.advance(14_000);
  await cache.read();
  t.is(state.calls, 1);

  await scheduler.schedule({name: 'quick', schedule: {date: new Date(clock.now() + 1000)}, timeout: 60_000});
  scheduler.addProcessor('quick', () => undefined);
  await clock.advance(1000);
  await until(async () => (await scheduler.listJobs({taskName: 'quick'})).jobs[0]?.state === 'DONE');

  const stats = await cache.read();

  t.is(state.calls, 2);
  t.is(stats.buckets.find(({taskName}) => taskName === 'quick')?.succeeded, 1);
});

test('a read in flight when a job ends is not kept: the next read counts the job', async (t) => {
  const {clock, counted, scheduler, state} = await startScheduler(t);
  const cache = createOverviewStatsCache({clock, maxAge: 15_000, scheduler: counted});
  let release = () => undefined as void;

  t.teardown(cache.close);
  state.hold = new Promise<void>((resolve) => {
    release = resolve;
  });

  // The read starts, then waits; a job ends meanwhile.
  const early = cache.read();

  await scheduler.schedule({name: 'quick', schedule: {date: new Date(clock.now() + 1000)}, timeout: 60_000});
  scheduler.addProcessor('quick', () => undefined);
  await clock.advance(1000);
  await until(async () => (await scheduler.listJobs({taskName: 'quick'})).jobs[0]?.state === 'DONE');
  state.hold = null;
  release();
  await early;

  const stats = await cache.read();

  t.is(state.calls, 2, 'the read that began before the job ended was not kept');
  t.is(stats.buckets.find(({taskName}) => taskName === 'quick')?.succeeded, 1);
});
