import test from 'ava';
import type {TaskEvent} from '../../src/index.ts';
import {createDeferred, flush} from '../helpers/createManualClock.ts';
import {createTestPlanton} from './helpers/createTestPlanton.ts';

test('getStats reports rounds, instructions, errors, last round duration, attempt number and whether a round is in flight', async (t) => {
  const slow = createDeferred<string[]>();
  let calls = 0;
  const {clock, planton} = createTestPlanton({
    task: {calculateDelay: () => 10, concurrency: 3, schedule: async () => {
      calls++;

      if (calls === 1) {
        return ['x', 'y'];
      }

      if (calls === 2) {
        throw new Error('boom');
      }

      return await slow.promise;
    }},
  });

  planton.events.on('error', () => {});

  t.deepEqual(planton.getStats(), {a: {attemptNumber: 0, errors: 0, instructionsEmitted: 0, lastRoundDurationMs: null, roundInFlight: false, rounds: 0}});

  await clock.advance(20);
  t.deepEqual(planton.getStats().a, {attemptNumber: 1, errors: 1, instructionsEmitted: 2, lastRoundDurationMs: 0, roundInFlight: false, rounds: 2});

  await clock.advance(10);
  t.like(planton.getStats().a, {roundInFlight: true, rounds: 3});

  await clock.advance(40);
  slow.resolve(['z']);
  await flush();
  t.like(planton.getStats().a, {attemptNumber: 0, instructionsEmitted: 3, lastRoundDurationMs: 40, roundInFlight: false});

  await planton.terminate();
});

test('a round\'s duration is measured on the monotonic clock: the wall clock stepped back meanwhile does not make it negative', async (t) => {
  const slow = createDeferred<string[]>();
  const {clock, planton} = createTestPlanton({task: {calculateDelay: () => 10, schedule: async () => await slow.promise}});

  await clock.advance(10);
  t.like(planton.getStats().a, {roundInFlight: true});

  clock.jump(-60_000);
  await clock.advance(25);
  slow.resolve(['x']);
  await flush();
  t.like(planton.getStats().a, {lastRoundDurationMs: 25, roundInFlight: false});

  await planton.terminate();
});

test('events.once fires a single time and events.off removes a listener', async (t) => {
  const {clock, planton} = createTestPlanton({task: {calculateDelay: () => 10, schedule: () => ['x']}});
  const once: Array<TaskEvent<string | number>> = [];
  const on: Array<TaskEvent<string | number>> = [];
  const listener = (event: TaskEvent<string | number>) => {
    on.push(event);
  };

  planton.events.once('task', (event) => {
    once.push(event);
  });
  planton.events.on('task', listener);

  await clock.advance(20);
  t.is(once.length, 1);
  t.is(on.length, 2);

  planton.events.off('task', listener);
  await clock.advance(20);
  t.is(on.length, 2);
  t.is(planton.events.listenerCount('task'), 0);

  await planton.terminate();
});

test('off removes a listener registered with once before it fires', async (t) => {
  const {clock, planton} = createTestPlanton({task: {calculateDelay: () => 10, schedule: () => ['x']}});
  let calls = 0;
  const listener = () => {
    calls++;
  };

  planton.events.once('task', listener);
  planton.events.off('task', listener);
  await clock.advance(10);

  t.is(calls, 0);
  t.is(planton.events.listenerCount('task'), 0);

  await planton.terminate();
});

test('the instruction type is generic', async (t) => {
  const {clock, planton} = createTestPlanton<number>({task: {calculateDelay: () => 10, schedule: () => [1]}});
  const seen: number[] = [];

  planton.events.on('task', ({instruction}) => {
    // `instruction` is a number here: arithmetic type-checks.
    seen.push(instruction + 1);
  });

  await clock.advance(10);
  t.deepEqual(seen, [2]);

  await planton.terminate();
});
