import test from 'ava';
import {createPlanton} from '../../src/index.ts';
import {createDeferred, flush} from '../helpers/createManualClock.ts';
import {recordEvents} from '../helpers/recordEvents.ts';
import {until} from '../helpers/until.ts';
import {createTestPlanton} from './helpers/createTestPlanton.ts';

/** Reports whether a promise has settled, without waiting for it. */
const track = (promise: Promise<unknown>) => {
  const state = {settled: false};

  void promise.finally(() => {
    state.settled = true;
  });

  return state;
};

test('stops scheduling after Planton is terminated', async (t) => {
  const {calls, clock, planton} = createTestPlanton({task: {calculateDelay: () => 10}});

  await clock.advance(30);
  t.is(calls(), 3);

  await planton.terminate();
  await clock.advance(1_000);
  t.is(calls(), 3);
});

test('terminate cancels a pending 60 s delay at once, without time passing', async (t) => {
  const {calls, clock, planton} = createTestPlanton({task: {calculateDelay: () => 60_000}});

  await until(() => clock.pendingTimers() === 1);
  await planton.terminate();

  t.is(clock.pendingTimers(), 0);
  t.is(calls(), 0);
});

test('terminate on the system clock does not wait out a 60 s delay', async (t) => {
  const planton = createPlanton({
    getActiveTaskInstructions: () => [],
    tasks: [{calculateDelay: () => 60_000, name: 'a', schedule: () => []}],
  });

  await flush();

  const startedAt = performance.now();

  await planton.terminate();
  // Generous: the point is "not 60 s", and a loaded machine must not flake this.
  t.true(performance.now() - startedAt < 10_000);
});

test('terminate is safe to call twice and resolves both calls', async (t) => {
  const {planton} = createTestPlanton({task: {calculateDelay: () => 10, schedule: () => []}});

  const first = planton.terminate();
  const second = planton.terminate();

  t.is(first, second);
  await Promise.all([first, second]);
  t.pass();
});

test('terminate aborts the signal of an in-flight schedule and waits for it to settle; its instructions are still emitted', async (t) => {
  const release = createDeferred<string[]>();
  let seenSignal: AbortSignal | undefined;
  const {clock, planton} = createTestPlanton({
    task: {calculateDelay: () => 10, schedule: async ({signal}) => {
      seenSignal = signal;

      return await release.promise;
    }},
  });
  const {tasks} = recordEvents(planton);

  await clock.advance(10);
  t.false(seenSignal?.aborted);

  const terminated = track(planton.terminate());

  await flush();
  t.true(seenSignal?.aborted);
  t.false(terminated.settled, 'terminate waits for the in-flight call');

  release.resolve(['claimed-before-abort']);
  await until(() => terminated.settled);
  t.deepEqual(tasks, [{instruction: 'claimed-before-abort', taskName: 'a'}]);
});

test('terminate during a hung schedule without scheduleTimeout abandons it after terminateTimeout', async (t) => {
  const {clock, planton} = createTestPlanton({
    task: {calculateDelay: () => 10, schedule: async () => await new Promise<never>(() => {})},
    terminateTimeout: 2_000,
  });
  const {errors} = recordEvents(planton);

  await clock.advance(10);

  const terminated = track(planton.terminate());

  await clock.advance(1_999);
  t.false(terminated.settled);
  await clock.advance(1);
  await until(() => terminated.settled);
  t.like(errors[0]?.error, {code: 'SCHEDULE_TIMEOUT', functionName: 'schedule', taskName: 'a', timeout: 2_000});
});

test('terminate during a hung schedule with scheduleTimeout resolves once the timeout abandons the call', async (t) => {
  const {clock, planton} = createTestPlanton({task: {calculateDelay: () => 10, schedule: async () => await new Promise<never>(() => {}), scheduleTimeout: 300}});
  const {errors} = recordEvents(planton);

  await clock.advance(10);

  const terminated = track(planton.terminate());

  await clock.advance(299);
  t.false(terminated.settled);
  await clock.advance(1);
  await until(() => terminated.settled);
  t.like(errors[0]?.error, {code: 'SCHEDULE_TIMEOUT', timeout: 300});
});

test('terminate during a hung schedule that honours its signal resolves at once', async (t) => {
  const {clock, planton} = createTestPlanton({
    task: {calculateDelay: () => 10, schedule: async ({signal}) => await new Promise<never>((resolve, reject) => {
      signal.addEventListener('abort', () => {
        reject(new Error('aborted'));
      });
    })},
  });
  const {errors} = recordEvents(planton);

  await clock.advance(10);
  await planton.terminate();

  t.like(errors[0], {error: {message: 'aborted'}, functionName: 'schedule'});
});
