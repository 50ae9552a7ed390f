import test from 'ava';
import {createPlanton} from '../../src/index.ts';
import {createDeferred, flush} from '../helpers/createManualClock.ts';
import {until} from '../helpers/until.ts';
import {createTestPlanton} from './helpers/createTestPlanton.ts';

test('trigger wakes a sleeping loop at once, skipping the rest of its delay', async (t) => {
  const {calls, clock, planton} = createTestPlanton({task: {calculateDelay: () => 60_000}});

  await until(() => clock.pendingTimers() === 1);
  planton.trigger('a');
  await until(() => calls() === 1);
  t.is(clock.now(), 0, 'no time passed');

  // Back to its delay after the extra round.
  await until(() => clock.pendingTimers() === 1);
  await clock.advance(59_999);
  t.is(calls(), 1);
  await clock.advance(1);
  t.is(calls(), 2);

  await planton.terminate();
});

test('several triggers during one round coalesce into one extra round', async (t) => {
  const rounds: Array<ReturnType<typeof createDeferred<string[]>>> = [];
  const {clock, planton} = createTestPlanton({
    task: {calculateDelay: () => 60_000, schedule: async () => {
      const round = createDeferred<string[]>();

      rounds.push(round);

      return await round.promise;
    }},
  });

  await until(() => clock.pendingTimers() === 1);
  planton.trigger('a');
  await until(() => rounds.length === 1);

  planton.trigger('a');
  planton.trigger('a');
  planton.trigger('a');
  rounds[0]?.resolve([]);

  await until(() => rounds.length === 2);
  rounds[1]?.resolve([]);
  await until(() => clock.pendingTimers() === 1);
  await flush(20);

  t.is(rounds.length, 2);
  t.is(planton.getStats().a?.rounds, 2);

  await planton.terminate();
});

test('triggering one task does not wake another', async (t) => {
  const calls: string[] = [];
  const {clock, planton} = createTestPlanton({
    task: {calculateDelay: () => 60_000, schedule: ({taskName}) => {
      calls.push(taskName);

      return [];
    }},
    taskNames: ['a', 'b'],
  });

  // Both loops wait on the engine's one shared timer.
  await until(() => clock.pendingTimers() === 1);
  await flush();
  t.deepEqual(calls, []);
  planton.trigger('b');
  await until(() => calls.length === 1);
  await flush(20);
  t.deepEqual(calls, ['b']);

  await planton.terminate();
});

test('triggering an unknown task throws UNKNOWN_TASK', (t) => {
  const planton = createPlanton({getActiveTaskInstructions: () => [], tasks: []});

  t.teardown(async () => {
    await planton.terminate();
  });

  t.throws(() => {
    planton.trigger('nope');
  }, {code: 'UNKNOWN_TASK', message: 'No task is named `nope`.'});
});
