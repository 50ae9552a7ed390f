import test from 'ava';
import {createTimerQueue, TIMER_IDLE, type TimerTarget} from '../../src/planton/createTimerQueue.ts';
import type {Clock} from '../../src/planton/types.ts';
import {createManualClock, flush} from '../helpers/createManualClock.ts';

const target = (onTimer: () => unknown): TimerTarget => {
  return {onTimer: () => {
    onTimer();
  }, timerAt: 0, timerIndex: TIMER_IDLE, timerSequence: 0};
};

/** A manual clock that records the length of every sleep the queue asks of it. */
const createCountingClock = () => {
  const clock = createManualClock();
  const sleeps: number[] = [];
  const countingClock: Clock = {
    ...clock,
    sleep: async (milliseconds, signal) => {
      sleeps.push(milliseconds);

      await clock.sleep(milliseconds, signal);
    },
  };

  return {clock, countingClock, sleeps};
};

test('fires callbacks in time order, and in insertion order at equal times, through one clock timer', async (t) => {
  const clock = createManualClock();
  const timers = createTimerQueue(clock);
  const fired: string[] = [];

  for (const [delay, name] of [[30, 'c'], [10, 'a1'], [20, 'b'], [10, 'a2']] as const) {
    timers.add(delay, target(() => fired.push(`${name}@${clock.now()}`)));
  }

  t.is(clock.pendingTimers(), 1);
  await clock.advance(30);
  t.deepEqual(fired, ['a1@10', 'a2@10', 'b@20', 'c@30']);
  t.is(clock.pendingTimers(), 0);
});

test('a cancelled callback never fires, and cancelling the last one disarms the clock timer', async (t) => {
  const clock = createManualClock();
  const timers = createTimerQueue(clock);
  const fired: string[] = [];
  const a = target(() => fired.push('a'));
  const b = target(() => fired.push('b'));

  timers.add(10, a);
  timers.add(20, b);

  timers.cancel(a);
  await clock.advance(10);
  t.deepEqual(fired, []);
  t.is(clock.pendingTimers(), 1);

  timers.cancel(b);
  await flush();
  t.is(clock.pendingTimers(), 0);
  await clock.advance(100);
  t.deepEqual(fired, []);
});

test('cancelling targets as they end in order costs no clock timer each; with keepArmedWhenEmpty, none either when the queue empties', async (t) => {
  const {clock, countingClock, sleeps} = createCountingClock();
  const timers = createTimerQueue(countingClock, {keepArmedWhenEmpty: true});
  const fired: number[] = [];

  // A thousand jobs that each end before the next starts: one clock timer in all.
  for (let index = 0; index < 1_000; index++) {
    const job = target(() => fired.push(-1));

    timers.add(60_000, job);
    timers.cancel(job);
  }

  t.deepEqual(sleeps, [60_000]);
  t.is(clock.pendingTimers(), 1);

  // A later target still fires on time: the early timer finds nothing due and arms for it.
  await clock.advance(30_000);
  timers.add(60_000, target(() => fired.push(clock.now())));
  await clock.advance(60_000);
  t.deepEqual(fired, [90_000]);
  t.deepEqual(sleeps, [60_000, 30_000]);
});

test('disarmIfEmpty stops the clock timer a keepArmedWhenEmpty queue left armed, and only when nothing waits', async (t) => {
  const clock = createManualClock();
  const timers = createTimerQueue(clock, {keepArmedWhenEmpty: true});
  const fired: number[] = [];
  const waiting = target(() => fired.push(clock.now()));
  const cancelled = target(() => fired.push(-1));

  timers.add(1_000, waiting);
  timers.add(500, cancelled);
  timers.cancel(cancelled);
  timers.disarmIfEmpty();
  t.is(clock.pendingTimers(), 1, 'a target still waits: the timer stays');

  await clock.advance(1_000);
  t.deepEqual(fired, [1_000]);

  timers.add(1_000, cancelled);
  timers.cancel(cancelled);
  await flush();
  t.is(clock.pendingTimers(), 1, 'left armed when the queue emptied');

  timers.disarmIfEmpty();
  await flush();
  t.is(clock.pendingTimers(), 0);
  await clock.advance(5_000);
  t.deepEqual(fired, [1_000]);
});

test('a wake-up beyond setTimeout\'s limit waits in steps of at most 2^31 - 1 ms, not in a loop of 1 ms timers', async (t) => {
  const {clock, countingClock, sleeps} = createCountingClock();
  const timers = createTimerQueue(countingClock);
  const fired: number[] = [];

  timers.add(2 ** 32, target(() => fired.push(clock.now())));
  t.deepEqual(sleeps, [2_147_483_647]);
  await clock.advance(2_147_483_647);
  await clock.advance(2_147_483_647);
  t.deepEqual(fired, []);
  await clock.advance(2);
  t.deepEqual(fired, [2 ** 32]);
  // 2^32 = 2 × (2^31 - 1) + 2.
  t.deepEqual(sleeps, [2_147_483_647, 2_147_483_647, 2]);
});

test('an earlier wake-up re-arms the clock timer', async (t) => {
  const clock = createManualClock();
  const timers = createTimerQueue(clock);
  const fired: number[] = [];

  timers.add(1_000, target(() => fired.push(clock.now())));
  timers.add(5, target(() => fired.push(clock.now())));
  await clock.advance(1_000);
  t.deepEqual(fired, [5, 1_000]);
});

test('zero delays run together on the next macrotask, not synchronously', async (t) => {
  const clock = createManualClock();
  const timers = createTimerQueue(clock);
  const fired: string[] = [];

  timers.add(0, target(() => fired.push('x')));
  const cancelled = target(() => fired.push('cancelled'));

  timers.add(0, cancelled);

  timers.add(0, target(() => fired.push('y')));
  timers.cancel(cancelled);
  t.deepEqual(fired, []);
  await flush(1);
  t.deepEqual(fired, ['x', 'y']);
});

test('cancelling from the middle of a large heap keeps the order of the others', async (t) => {
  const clock = createManualClock();
  const timers = createTimerQueue(clock);
  const fired: number[] = [];
  const targets = Array.from({length: 200}, (_, index) => target(() => fired.push(index)));

  // Added in a scrambled order of delays: delay of target i is ((i * 37) % 200) + 1.
  for (const [index, each] of targets.entries()) {
    timers.add(((index * 37) % 200) + 1, each);
  }

  for (let index = 0; index < 200; index += 3) {
    timers.cancel(targets[index] as TimerTarget);
  }

  await clock.advance(200);

  const expected = targets.map((_, index) => index).filter((index) => index % 3 !== 0).sort((a, b) => ((a * 37) % 200) - ((b * 37) % 200));

  t.deepEqual(fired, expected);
});

test('adding a waiting target again moves its wake-up', async (t) => {
  const clock = createManualClock();
  const timers = createTimerQueue(clock);
  const fired: number[] = [];
  const moved = target(() => fired.push(clock.now()));

  timers.add(1_000, moved);
  timers.add(10, moved);
  await clock.advance(2_000);
  t.deepEqual(fired, [10]);
});
