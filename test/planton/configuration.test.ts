import test from 'ava';
import {createPlanton, InvalidTaskConfigurationNameError, type TaskConfiguration} from '../../src/index.ts';
import {createManualClock, flush} from '../helpers/createManualClock.ts';

const schedule = () => {
  return [];
};

const invalidTasks: Array<[string, Record<string, unknown>, string, string]> = [
  ['concurrency 0', {concurrency: 0}, 'concurrency', 'Expected `concurrency` of task "a" to be an integer >= 1, got `0`.'],
  ['concurrency -1', {concurrency: -1}, 'concurrency', 'Expected `concurrency` of task "a" to be an integer >= 1, got `-1`.'],
  ['concurrency 1.5', {concurrency: 1.5}, 'concurrency', 'Expected `concurrency` of task "a" to be an integer >= 1, got `1.5`.'],
  ['concurrency NaN', {concurrency: Number.NaN}, 'concurrency', 'Expected `concurrency` of task "a" to be an integer >= 1, got `NaN`.'],
  ['schedule missing', {schedule: undefined}, 'schedule', 'Expected `schedule` of task "a" to be a function, got `undefined`.'],
  ['calculateDelay not a function', {calculateDelay: 1_000}, 'calculateDelay', 'Expected `calculateDelay` of task "a" to be a function, got `1000`.'],
  ['delay not a function', {delay: 1_000}, 'delay', 'Expected `delay` of task "a" to be a function, got `1000`.'],
  ['both delay and calculateDelay', {calculateDelay: () => 1, delay: () => 1}, 'delay', 'Expected `delay` of task "a" to be undefined when `calculateDelay` is given (they are the same option), got `a function`.'],
  ['calculateLimit not a function', {calculateLimit: 'x'}, 'calculateLimit', 'Expected `calculateLimit` of task "a" to be a function, got `"x"`.'],
  ['scheduleTimeout 0', {scheduleTimeout: 0}, 'scheduleTimeout', 'Expected `scheduleTimeout` of task "a" to be a finite number > 0, got `0`.'],
  ['scheduleTimeout negative', {scheduleTimeout: -5}, 'scheduleTimeout', 'Expected `scheduleTimeout` of task "a" to be a finite number > 0, got `-5`.'],
];

for (const [title, override, option, message] of invalidTasks) {
  test(`rejects a task with ${title}`, (t) => {
    const error = t.throws(() => createPlanton({
      getActiveTaskInstructions: () => [],
      tasks: [{name: 'a', schedule, ...override} as TaskConfiguration],
    }));

    t.like(error, {code: 'INVALID_TASK_CONFIGURATION', message, option, taskName: 'a'});
  });
}

// With planton@3's code for it (see planton3Compatibility.test.ts).
test('rejects an empty task name', (t) => {
  const error = t.throws(() => createPlanton({
    getActiveTaskInstructions: () => [],
    tasks: [{name: '', schedule}],
  }));

  t.true(error instanceof InvalidTaskConfigurationNameError);
  t.like(error, {code: 'UNEXPECTED_STATE_ERROR', message: 'Expected `name` to be a non-empty string, got `""`.', option: 'name'});
});

test('rejects a task name that is not a string as INVALID_TASK_CONFIGURATION (planton@3 did not check it)', (t) => {
  const error = t.throws(() => createPlanton({
    getActiveTaskInstructions: () => [],
    tasks: [{name: 5 as unknown as string, schedule}],
  }));

  t.like(error, {code: 'INVALID_TASK_CONFIGURATION', message: 'Expected `name` to be a non-empty string, got `5`.', option: 'name'});
});

test('rejects duplicate task names', (t) => {
  const error = t.throws(() => createPlanton({
    getActiveTaskInstructions: () => [],
    tasks: [{name: 'a', schedule}, {name: 'a', schedule}],
  }));

  t.like(error, {code: 'DUPLICATE_TASK_NAME', duplicateTaskName: 'a'});
});

test('configuration errors are PlantonErrors and planton@3 UnexpectedStateErrors', async (t) => {
  const {PlantonError, UnexpectedStateError} = await import('../../src/index.ts');
  const error = t.throws(() => createPlanton({
    getActiveTaskInstructions: () => [],
    tasks: [{concurrency: 0, name: 'a', schedule}],
  }));

  t.true(error instanceof PlantonError);
  t.true(error instanceof UnexpectedStateError);
  t.true(error instanceof Error);
  t.is(error?.name, 'InvalidTaskConfigurationNameError');
});

test('a bad task leaves no loop running, even when valid tasks come before it', async (t) => {
  const clock = createManualClock();
  let calls = 0;

  t.throws(() => createPlanton({
    clock,
    getActiveTaskInstructions: () => {
      calls++;

      return [];
    },
    tasks: [
      {calculateDelay: () => 0, name: 'good', schedule},
      {concurrency: 0, name: 'bad', schedule},
    ],
  }), {code: 'INVALID_TASK_CONFIGURATION'});

  await clock.advance(10_000);
  await flush();

  t.is(calls, 0);
});

const invalidEngines: Array<[string, Record<string, unknown>, string, string]> = [
  ['maxConcurrentCalls 0', {maxConcurrentCalls: 0}, 'maxConcurrentCalls', 'Expected `maxConcurrentCalls` to be an integer >= 1 or Infinity, got `0`.'],
  ['maxConcurrentCalls 2.5', {maxConcurrentCalls: 2.5}, 'maxConcurrentCalls', 'Expected `maxConcurrentCalls` to be an integer >= 1 or Infinity, got `2.5`.'],
  ['terminateTimeout -1', {terminateTimeout: -1}, 'terminateTimeout', 'Expected `terminateTimeout` to be a finite number >= 0, got `-1`.'],
  // Found by test/fuzz/planton.test.ts: String() of an object without a prototype threw a TypeError.
  ['terminateTimeout an object without a prototype', {terminateTimeout: Object.create(null)}, 'terminateTimeout', 'Expected `terminateTimeout` to be a finite number >= 0, got `{}`.'],
  ['maxConcurrentCalls an object without a prototype', {maxConcurrentCalls: Object.create(null)}, 'maxConcurrentCalls', 'Expected `maxConcurrentCalls` to be an integer >= 1 or Infinity, got `{}`.'],
  ['getActiveTaskInstructions missing', {getActiveTaskInstructions: undefined}, 'getActiveTaskInstructions', 'Expected `getActiveTaskInstructions` to be a function, got `undefined`.'],
  ['tasks not an array', {tasks: {}}, 'tasks', 'Expected `tasks` to be an array, got `object`.'],
];

for (const [title, override, option, message] of invalidEngines) {
  test(`rejects an engine with ${title}`, (t) => {
    const error = t.throws(() => createPlanton({
      getActiveTaskInstructions: () => [],
      tasks: [],
      ...override,
    } as Parameters<typeof createPlanton>[0]));

    t.like(error, {code: 'INVALID_CONFIGURATION', message, option});
  });
}
