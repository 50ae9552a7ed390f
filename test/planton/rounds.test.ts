import test from 'ava';
import {createPlanton, type ScheduleConfiguration} from '../../src/index.ts';
import {createDeferred, createManualClock} from '../helpers/createManualClock.ts';
import {recordEvents} from '../helpers/recordEvents.ts';
import {until} from '../helpers/until.ts';
import {createTestPlanton} from './helpers/createTestPlanton.ts';

test('runs the planton@3 README program unchanged (the `delay` option, string instructions)', async (t) => {
  const clock = createManualClock();
  const rows = ['1', '2', '3'];
  const active: string[] = [];
  const planton = createPlanton({
    clock,
    getActiveTaskInstructions: () => {
      return active;
    },
    tasks: [
      {
        concurrency: 2,
        delay: (attemptNumber) => {
          return attemptNumber === 0 ? 100 : Math.max(attemptNumber * 1_000, 60 * 1_000);
        },
        name: 'send_user_email',
        schedule: async ({limit}) => {
          return rows.splice(0, limit);
        },
      },
    ],
  });
  const {errors, tasks} = recordEvents(planton);

  await clock.advance(100);

  t.deepEqual(tasks, [
    {instruction: '1', taskName: 'send_user_email'},
    {instruction: '2', taskName: 'send_user_email'},
  ]);
  t.deepEqual(errors, []);

  await planton.terminate();
});

test('emits one task event per instruction and passes schedule its round', async (t) => {
  const clock = createManualClock();
  const calls: Array<Omit<ScheduleConfiguration<number>, 'signal'>> = [];
  const planton = createPlanton<number>({
    clock,
    getActiveTaskInstructions: () => [7],
    tasks: [
      {
        calculateDelay: () => 50,
        concurrency: 4,
        name: 'a',
        schedule: ({signal, ...rest}) => {
          calls.push(rest);

          return calls.length === 1 ? [10, 11, 12] : [];
        },
      },
    ],
  });
  const {tasks} = recordEvents(planton);

  await clock.advance(50);

  t.deepEqual(calls, [{activeTaskInstructions: [7], concurrency: 4, limit: 3, taskName: 'a'}]);
  t.deepEqual(tasks.map(({instruction}) => instruction), [10, 11, 12]);
  t.true(tasks.every(({taskName}) => taskName === 'a'));

  await planton.terminate();
});

test('waits the delay before each round', async (t) => {
  const {calls, clock, planton} = createTestPlanton({task: {calculateDelay: () => 1_000}});

  await clock.advance(999);
  t.is(calls(), 0);
  await clock.advance(1);
  t.is(calls(), 1);
  await clock.advance(999);
  t.is(calls(), 1);
  await clock.advance(1);
  t.is(calls(), 2);

  await planton.terminate();
});

test('the default delay is 1000 ms and the default concurrency 1', async (t) => {
  const limits: number[] = [];
  const {clock, planton} = createTestPlanton({
    task: {schedule: ({limit}) => {
      limits.push(limit);

      return [];
    }},
  });

  await clock.advance(999);
  t.deepEqual(limits, []);
  await clock.advance(1);
  t.deepEqual(limits, [1]);

  await planton.terminate();
});

test('does not call schedule while active instructions reach the concurrency', async (t) => {
  const active = ['x', 'y'];
  const attempts: number[] = [];
  let calls = 0;
  const {clock, planton} = createTestPlanton({
    getActiveTaskInstructions: () => active,
    task: {
      calculateDelay: (attemptNumber) => {
        attempts.push(attemptNumber);

        return 10;
      },
      concurrency: 2,
      schedule: () => {
        calls++;

        return [];
      },
    },
  });

  await clock.advance(50);
  t.is(calls, 0);
  // A full task is not a failed attempt: the backoff does not grow while it waits for a slot.
  t.true(attempts.every((attempt) => attempt === 0));

  active.pop();
  await clock.advance(10);
  t.is(calls, 1);

  await planton.terminate();
});

test('calculateLimit receives the concurrency and the active instructions, and its limit reaches schedule', async (t) => {
  const seen: unknown[] = [];
  const {clock, planton} = createTestPlanton({
    getActiveTaskInstructions: () => ['a', 'b'],
    task: {
      calculateDelay: () => 10,
      calculateLimit: (concurrency, active) => {
        seen.push([concurrency, active]);

        return 1;
      },
      concurrency: 5,
      schedule: ({limit}) => {
        seen.push(limit);

        return [];
      },
    },
  });

  await clock.advance(10);
  t.deepEqual(seen, [[5, ['a', 'b']], 1]);

  await planton.terminate();
});

test('a limit of 0 skips schedule', async (t) => {
  const {calls, clock, planton} = createTestPlanton({task: {calculateDelay: () => 10, calculateLimit: () => 0}});
  const {errors} = recordEvents(planton);

  await clock.advance(100);
  t.is(calls(), 0);
  t.deepEqual(errors, []);

  await planton.terminate();
});

test('passes calculateDelay the attempt number: +1 per round without instructions, 0 after a round with some', async (t) => {
  const attempts: number[] = [];
  const results = [[], [], [], ['a'], [], ['b', 'c'], []];
  const {clock, planton} = createTestPlanton({
    task: {
      calculateDelay: (attemptNumber) => {
        attempts.push(attemptNumber);

        return 10;
      },
      concurrency: 5,
      schedule: () => results.shift() ?? [],
    },
  });

  await clock.advance(10 * 7);

  t.deepEqual(attempts, [0, 1, 2, 3, 0, 1, 0, 1]);

  await planton.terminate();
});

test('a failing round counts as an attempt, so a broken database is backed off', async (t) => {
  const clock = createManualClock();
  const attempts: number[] = [];
  const planton = createPlanton({
    clock,
    getActiveTaskInstructions: () => {
      throw new Error('connection refused');
    },
    tasks: [{
      calculateDelay: (attemptNumber) => {
        attempts.push(attemptNumber);

        return 10;
      },
      name: 'a',
      schedule: () => [],
    }],
  });

  planton.events.on('error', () => {});
  await clock.advance(30);

  t.deepEqual(attempts, [0, 1, 2, 3]);

  await planton.terminate();
});

test('accepts strings and finite numbers, including 0, negative numbers and the empty string', async (t) => {
  const {clock, planton} = createTestPlanton({task: {calculateDelay: () => 10, concurrency: 10, schedule: () => [0, -1, 1.5, '', 'x']}});
  const {errors, tasks} = recordEvents(planton);

  await clock.advance(10);

  t.deepEqual(tasks.map(({instruction}) => instruction), [0, -1, 1.5, '', 'x']);
  t.deepEqual(errors, []);

  await planton.terminate();
});

test('a slow task never slows another', async (t) => {
  const clock = createManualClock();
  const hung = createDeferred<never[]>();
  let fastCalls = 0;
  const planton = createPlanton({
    clock,
    getActiveTaskInstructions: () => [],
    tasks: [
      {calculateDelay: () => 10, name: 'slow', schedule: async () => await hung.promise},
      {calculateDelay: () => 10, name: 'fast', schedule: () => {
        fastCalls++;

        return [];
      }},
    ],
  });

  await clock.advance(100);
  t.is(fastCalls, 10);
  t.true(planton.getStats().slow?.roundInFlight);

  hung.resolve([]);
  await until(() => planton.getStats().slow?.roundInFlight === false);
  await planton.terminate();
});

test('tasks with equal delays get an even share of schedule calls', async (t) => {
  const clock = createManualClock();
  const calls = new Map<string, number>();
  const names = Array.from({length: 20}, (_, index) => `task-${index}`);
  const planton = createPlanton({
    clock,
    getActiveTaskInstructions: () => [],
    tasks: names.map((name) => ({
      calculateDelay: () => 25,
      name,
      schedule: async ({taskName}: {taskName: string}) => {
        calls.set(taskName, (calls.get(taskName) ?? 0) + 1);
        await Promise.resolve();

        return [];
      },
    })),
  });

  await clock.advance(25 * 40);

  t.deepEqual(names.map((name) => calls.get(name)), names.map(() => 40));

  await planton.terminate();
});
