import test from 'ava';
import {createPlanton} from '../../src/index.ts';
import {createDeferred, createManualClock, flush} from '../helpers/createManualClock.ts';
import {until} from '../helpers/until.ts';
import {createTestPlanton} from './helpers/createTestPlanton.ts';

test('maxConcurrentCalls bounds user calls in flight across all tasks, and every task gets its turn', async (t) => {
  const clock = createManualClock();
  const pending: Array<{release: () => void; taskName: string}> = [];
  let inFlight = 0;
  let maximumInFlight = 0;
  const called = new Set<string>();
  const names = Array.from({length: 8}, (_, index) => `task-${index}`);
  const planton = createPlanton({
    clock,
    getActiveTaskInstructions: async (taskName) => {
      inFlight++;
      maximumInFlight = Math.max(maximumInFlight, inFlight);
      called.add(taskName);

      const release = createDeferred<void>();

      pending.push({release: () => {
        release.resolve();
      }, taskName});
      await release.promise;
      inFlight--;

      return [];
    },
    maxConcurrentCalls: 2,
    tasks: names.map((name) => ({calculateDelay: () => 10, name, schedule: () => []})),
  });

  await clock.advance(10);
  await flush();
  t.is(inFlight, 2);

  while (called.size < names.length) {
    pending.shift()?.release();
    await flush();
    t.true(inFlight <= 2);
  }

  t.is(maximumInFlight, 2);
  t.deepEqual([...called].sort(), [...names].sort());

  for (const call of pending.splice(0)) {
    call.release();
  }

  await until(() => inFlight === 0);
  await planton.terminate();
});

test('with maxConcurrentCalls 1, equal tasks are served in turn (FIFO)', async (t) => {
  const order: string[] = [];
  const {clock, planton} = createTestPlanton({
    maxConcurrentCalls: 1,
    task: {calculateDelay: () => 10, schedule: async ({taskName}) => {
      order.push(taskName);
      await Promise.resolve();

      return [];
    }},
    taskNames: ['a', 'b', 'c'],
  });

  await clock.advance(30);
  t.deepEqual(order, ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c']);

  await planton.terminate();
});
