/**
 * A scheduler without tasks waits (no busy loop), and one whose creation failed stops its dispatcher
 * (its Planton keeps the process alive until terminated: a rejected createScheduler must not).
 */
import test from 'ava';
import {createMemorySchedulerStore, createScheduler, type SchedulerStore} from '../../src/scheduler/index.ts';
import {createManualClock} from '../helpers/createManualClock.ts';

const POLL_INTERVAL = 5_000;

/** A manual clock that counts the sleeps asked of it, by length. */
const createCountingClock = () => {
  const clock = createManualClock(Date.parse('2026-01-01T00:00:00.000Z'));
  const sleeps: number[] = [];

  return {
    clock: {
      ...clock,
      sleep: async (milliseconds: number, signal?: AbortSignal) => {
        sleeps.push(milliseconds);
        await clock.sleep(milliseconds, signal);
      },
    },
    manual: clock,
    sleeps,
  };
};

const turns = async (count: number) => {
  for (let index = 0; index < count; index++) {
    await new Promise((resolve) => {
      setImmediate(resolve);
    });
  }
};

test('a scheduler with no task sleeps until its next poll instead of going round at once', async (t) => {
  const {clock, sleeps} = createCountingClock();
  const scheduler = await createScheduler({clock, pollInterval: POLL_INTERVAL, store: createMemorySchedulerStore(), syncInterval: 0});

  t.teardown(async () => {
    await scheduler.terminate();
  });
  await turns(50);

  // Before the fix: one sleep(0) a turn, ~50 here (a core busy while no task exists).
  t.true(sleeps.filter((milliseconds) => milliseconds === 0).length <= 2, `sleeps: ${sleeps.join(', ')}`);
});

test('a createScheduler that rejects (the store cannot list its tasks) leaves no dispatcher running', async (t) => {
  const {clock, manual, sleeps} = createCountingClock();
  const memory = createMemorySchedulerStore();
  const store: SchedulerStore = {
    ...memory,
    listTasks: async () => {
      throw new Error('the store is gone');
    },
  };

  await t.throwsAsync(createScheduler({clock, pollInterval: POLL_INTERVAL, store, syncInterval: 0}), {message: 'the store is gone'});

  const before = sleeps.length;

  await manual.advance(POLL_INTERVAL * 3);
  await turns(10);
  t.is(sleeps.length, before, 'no round ran after the rejection');
});
