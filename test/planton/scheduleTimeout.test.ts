import test from 'ava';
import {createPlanton} from '../../src/index.ts';
import {createDeferred, createManualClock} from '../helpers/createManualClock.ts';
import {recordEvents} from '../helpers/recordEvents.ts';
import {until} from '../helpers/until.ts';
import {createTestPlanton} from './helpers/createTestPlanton.ts';

test('a schedule call past scheduleTimeout is abandoned with SCHEDULE_TIMEOUT, its signal aborts, and the loop goes on', async (t) => {
  const signals: AbortSignal[] = [];
  const {clock, planton} = createTestPlanton({
    task: {
      calculateDelay: () => 10,
      schedule: async ({signal}) => {
        signals.push(signal);

        return signals.length === 1 ? await new Promise<never>(() => {}) : ['second'];
      },
      scheduleTimeout: 500,
    },
  });
  const {errors, tasks} = recordEvents(planton);

  await clock.advance(10);
  t.is(signals.length, 1);
  await clock.advance(499);
  t.deepEqual(errors, []);
  t.false(signals[0]?.aborted);

  await clock.advance(1);
  t.true(signals[0]?.aborted);
  t.like(errors[0], {error: {code: 'SCHEDULE_TIMEOUT', functionName: 'schedule', message: '`schedule` of task `a` did not settle within 500 ms; the call was abandoned.', taskName: 'a'}, taskName: 'a'});

  await clock.advance(10);
  t.deepEqual(tasks, [{instruction: 'second', taskName: 'a'}]);

  await planton.terminate();
});

test('a getActiveTaskInstructions call past scheduleTimeout is abandoned the same way', async (t) => {
  const clock = createManualClock();
  let calls = 0;
  const planton = createPlanton({
    clock,
    getActiveTaskInstructions: async () => {
      calls++;

      return calls === 1 ? await new Promise<never>(() => {}) : [];
    },
    tasks: [{calculateDelay: () => 10, name: 'a', schedule: () => ['x'], scheduleTimeout: 100}],
  });
  const {errors, tasks} = recordEvents(planton);

  await clock.advance(110);
  t.like(errors[0]?.error, {code: 'SCHEDULE_TIMEOUT', functionName: 'getActiveTaskInstructions'});
  await clock.advance(10);
  t.deepEqual(tasks, [{instruction: 'x', taskName: 'a'}]);

  await planton.terminate();
});

test('instructions an abandoned schedule returns late are still emitted, not lost', async (t) => {
  const late = createDeferred<string[]>();
  let calls = 0;
  const {clock, planton} = createTestPlanton({
    task: {
      calculateDelay: () => 10,
      schedule: async () => {
        calls++;

        return calls === 1 ? await late.promise : [];
      },
      scheduleTimeout: 100,
    },
  });
  const {errors, tasks} = recordEvents(planton);

  await clock.advance(110);
  t.is(errors.length, 1);

  late.resolve(['claimed-late']);
  await until(() => tasks.length === 1);
  t.deepEqual(tasks, [{instruction: 'claimed-late', taskName: 'a'}]);
  t.is(planton.getStats().a?.instructionsEmitted, 1);

  await planton.terminate();
});

test('a call that settles in time clears its timeout timer', async (t) => {
  const {clock, planton} = createTestPlanton({
    getActiveTaskInstructions: async () => [],
    task: {calculateDelay: () => 1_000, schedule: async () => [], scheduleTimeout: 100},
  });
  const {errors} = recordEvents(planton);

  await clock.advance(1_000);
  // Only the next delay is pending: neither call left a timeout timer behind.
  t.is(clock.pendingTimers(), 1);
  t.deepEqual(errors, []);

  await planton.terminate();
});
