import test from 'ava';
import {createPlanton, InvalidLimitError, type TaskConfiguration, UserFunctionError} from '../../src/index.ts';
import {createManualClock} from '../helpers/createManualClock.ts';
import {recordEvents} from '../helpers/recordEvents.ts';
import {runLoggedScript} from '../helpers/runLoggedScript.ts';
import {createTestPlanton} from './helpers/createTestPlanton.ts';

const invalidResults: Array<[string, unknown, string]> = [
  ['undefined', undefined, 'Expected an array of instructions, got `undefined`.'],
  ['null', null, 'Expected an array of instructions, got `null`.'],
  ['an object', {0: 'a', length: 1}, 'Expected an array of instructions, got `object`.'],
  ['a string', 'abc', 'Expected an array of instructions, got `string`.'],
  ['more instructions than the limit', ['a', 'b', 'c'], 'Expected at most 2 instructions (the limit), got 3.'],
  ['an object instruction', ['a', {id: 1}], 'Expected every instruction to be a string or a finite number, got `object` at index 1.'],
  ['a null instruction', [null], 'Expected every instruction to be a string or a finite number, got `null` at index 0.'],
  ['a NaN instruction', [Number.NaN], 'Expected every instruction to be a string or a finite number, got `NaN` at index 0.'],
  ['an Infinity instruction', ['a', Number.POSITIVE_INFINITY], 'Expected every instruction to be a string or a finite number, got `Infinity` at index 1.'],
  ['a boolean instruction', [true], 'Expected every instruction to be a string or a finite number, got `boolean` at index 0.'],
  ['a bigint instruction', [1n], 'Expected every instruction to be a string or a finite number, got `bigint` at index 0.'],
];

for (const [title, result, message] of invalidResults) {
  test(`schedule returning ${title} is an UNEXPECTED_TASK_INSTRUCTIONS error, emits nothing, and the loop goes on`, async (t) => {
    const results: unknown[] = [result, ['ok']];
    const {clock, planton} = createTestPlanton({
      task: {
        calculateDelay: () => 10,
        concurrency: 2,
        schedule: (() => (results.length > 0 ? results.shift() : [])) as TaskConfiguration['schedule'],
      },
    });
    const {errors, tasks} = recordEvents(planton);

    await clock.advance(10);
    t.deepEqual(tasks, []);
    t.is(errors.length, 1);
    t.like(errors[0], {error: {code: 'UNEXPECTED_TASK_INSTRUCTIONS', message, taskName: 'a'}, taskName: 'a'});
    // The error carries what schedule returned, so claimed instructions are never silently lost.
    t.is((errors[0]?.error as unknown as {unexpectedTaskInstructions: unknown}).unexpectedTaskInstructions, result);

    await clock.advance(10);
    t.deepEqual(tasks, [{instruction: 'ok', taskName: 'a'}]);

    await planton.terminate();
  });
}

test('getActiveTaskInstructions returning garbage is an UNEXPECTED_TASK_INSTRUCTIONS error', async (t) => {
  const {clock, planton} = createTestPlanton({
    getActiveTaskInstructions: (() => [{}]) as never,
    task: {calculateDelay: () => 10, schedule: () => ['x']},
  });
  const {errors, tasks} = recordEvents(planton);

  await clock.advance(10);
  t.deepEqual(tasks, []);
  t.like(errors[0]?.error, {code: 'UNEXPECTED_TASK_INSTRUCTIONS', message: 'getActiveTaskInstructions: Expected every instruction to be a string or a finite number, got `object` at index 0.'});

  await planton.terminate();
});

const failingFunctions = ['schedule', 'getActiveTaskInstructions', 'calculateDelay', 'calculateLimit'] as const;

/** Task `a` whose `functionName` throws or rejects with `thrown` once, then works. */
const createFailingPlanton = (functionName: typeof failingFunctions[number], how: 'rejects' | 'throws', thrown: unknown) => {
  const clock = createManualClock();
  let failuresLeft = 1;
  const maybeFail = <T>(value: T): Promise<T> | T => {
    if (failuresLeft > 0) {
      failuresLeft--;

      if (how === 'throws') {
        throw thrown;
      }

      return Promise.reject(thrown);
    }

    return value;
  };
  let scheduleCalls = 0;
  const planton = createPlanton({
    clock,
    getActiveTaskInstructions: () => (functionName === 'getActiveTaskInstructions' ? maybeFail([]) : []),
    tasks: [{
      calculateDelay: () => (functionName === 'calculateDelay' ? maybeFail(10) : 10),
      calculateLimit: () => (functionName === 'calculateLimit' ? maybeFail(1) : 1),
      name: 'a',
      schedule: () => {
        scheduleCalls++;

        return functionName === 'schedule' ? maybeFail(['x']) : ['x'];
      },
    }],
  });

  return {clock, planton, scheduleCalls: () => scheduleCalls};
};

for (const functionName of failingFunctions) {
  for (const how of ['throws', 'rejects'] as const) {
    // planton@3 gave the original error; the event's `functionName` says which function failed (it was the wrapper's).
    test(`${functionName} that ${how} is an error event with the original error and functionName, and the loop goes on`, async (t) => {
      const thrown = Object.assign(new Error(`${functionName} broke`), {code: 'ECONNREFUSED'});
      const {clock, planton, scheduleCalls} = createFailingPlanton(functionName, how, thrown);
      const {errors, tasks} = recordEvents(planton);

      // A failing calculateDelay falls back to 1000 ms, so give the loop enough time for two rounds.
      await clock.advance(1_010);

      t.is(errors.length, 1);
      t.is(errors[0]?.error, thrown);
      t.deepEqual(errors[0], {error: thrown, functionName, taskName: 'a'});
      t.true(tasks.length >= 1, 'the loop went on and dispatched');
      t.true(scheduleCalls() >= 1);

      await planton.terminate();
    });

    test(`${functionName} that ${how} a value that is not an Error is a USER_FUNCTION_ERROR event with the value as cause`, async (t) => {
      const {clock, planton} = createFailingPlanton(functionName, how, 'not an Error');
      const {errors, tasks} = recordEvents(planton);

      await clock.advance(1_010);

      t.is(errors.length, 1);
      t.true(errors[0]?.error instanceof UserFunctionError);
      t.like(errors[0], {error: {code: 'USER_FUNCTION_ERROR', functionName, message: `\`${functionName}\` of task \`a\` failed: not an Error`, taskName: 'a'}, functionName, taskName: 'a'});
      t.is(errors[0]?.error.cause, 'not an Error');
      t.true(tasks.length >= 1, 'the loop went on and dispatched');

      await planton.terminate();
    });

    // Found by test/fuzz/planton.test.ts: String() of the value threw a TypeError out of the loop.
    test(`${functionName} that ${how} an object without a prototype is a USER_FUNCTION_ERROR event, and the loop goes on`, async (t) => {
      const thrown: unknown = Object.assign(Object.create(null), {reason: 'bare'});
      const {clock, planton} = createFailingPlanton(functionName, how, thrown);
      const {errors, tasks} = recordEvents(planton);

      await clock.advance(1_010);

      t.like(errors[0], {error: {code: 'USER_FUNCTION_ERROR', message: `\`${functionName}\` of task \`a\` failed: {"reason":"bare"}`}, functionName});
      t.is(errors[0]?.error.cause, thrown);
      t.true(tasks.length >= 1, 'the loop went on and dispatched');

      await planton.terminate();
    });
  }
}

const invalidLimits: unknown[] = [-1, 1.5, Number.NaN, '1', null];

for (const limit of invalidLimits) {
  // planton@3's code for an invalid limit (see planton3Compatibility.test.ts): the class and `functionName` tell it apart.
  test(`calculateLimit returning ${String(limit)} is an InvalidLimitError (UNEXPECTED_STATE_ERROR) and schedule is not called`, async (t) => {
    const {calls, clock, planton} = createTestPlanton({task: {calculateDelay: () => 10, calculateLimit: () => limit as number}});
    const {errors} = recordEvents(planton);

    await clock.advance(20);
    t.is(calls(), 0);
    t.is(errors.length, 2);
    t.true(errors[0]?.error instanceof InvalidLimitError);
    t.like(errors[0], {error: {code: 'UNEXPECTED_STATE_ERROR', taskName: 'a'}, functionName: 'calculateLimit'});
    t.is((errors[0]?.error as unknown as {limit: unknown}).limit, limit);

    await planton.terminate();
  });
}

for (const delay of [-1, Number.NaN, Number.POSITIVE_INFINITY, '10']) {
  test(`calculateDelay returning ${String(delay)} is an INVALID_DELAY error and the loop waits 1000 ms instead`, async (t) => {
    const {calls, clock, planton} = createTestPlanton({task: {calculateDelay: () => delay as number}});
    const {errors} = recordEvents(planton);

    await clock.advance(999);
    t.is(calls(), 0);
    t.like(errors[0]?.error, {code: 'INVALID_DELAY', taskName: 'a'});
    await clock.advance(1);
    t.is(calls(), 1);

    await planton.terminate();
  });
}

test('a throwing task listener is reported as TASK_LISTENER_ERROR; other listeners still get the instruction', async (t) => {
  const {clock, planton} = createTestPlanton({task: {calculateDelay: () => 10, concurrency: 2, schedule: () => ['x', 'y']}});

  planton.events.on('task', () => {
    throw new Error('listener broke');
  });

  const {errors, tasks} = recordEvents(planton);

  await clock.advance(10);
  t.deepEqual(tasks.map(({instruction}) => instruction), ['x', 'y']);
  t.is(errors.length, 2);
  t.like(errors[0]?.error, {code: 'TASK_LISTENER_ERROR', instruction: 'x', taskName: 'a'});

  await planton.terminate();
});

test('an async task listener that rejects is reported as TASK_LISTENER_ERROR, not left as an unhandled rejection', async (t) => {
  const clock = createManualClock();
  const planton = createPlanton({
    clock,
    getActiveTaskInstructions: () => [],
    tasks: [{calculateDelay: () => 10, name: 'a', schedule: () => ['x']}],
  });

  planton.events.on('task', async () => {
    await Promise.resolve();

    throw new Error('async listener broke');
  });

  const {errors, tasks} = recordEvents(planton);

  await clock.advance(10);
  t.deepEqual(tasks.map(({instruction}) => instruction), ['x']);
  t.is(errors.length, 1);
  t.like(errors[0]?.error, {cause: {message: 'async listener broke'}, code: 'TASK_LISTENER_ERROR', instruction: 'x', taskName: 'a'});

  await planton.terminate();
});

test('an error with no error listener does not throw or stop the loop', async (t) => {
  let calls = 0;
  const {clock, planton} = createTestPlanton({
    task: {calculateDelay: () => 10, schedule: () => {
      calls++;
      throw new Error('no one listens');
    }},
  });

  await clock.advance(30);
  t.is(calls, 3);
  t.is(planton.getStats().a?.errors, 3);

  await planton.terminate();
});

test('logs each error through roarr with the error serialised', (t) => {
  const script = `
    import {createPlanton} from './src/index.ts';
    const planton = createPlanton({
      getActiveTaskInstructions: () => [],
      tasks: [{calculateDelay: () => 0, name: 'logged', schedule: () => { throw new Error('visible in the log'); }}],
    });
    // Planton's timers are unref()ed: hold the process open until the first error.
    const keepAlive = setInterval(() => {}, 1000);
    planton.events.once('error', () => { clearInterval(keepAlive); void planton.terminate(); });
  `;
  const {lines, status, stderr} = runLoggedScript(script);

  t.is(status, 0, stderr);

  const line = lines.find(({context}) => context?.taskName === 'logged' && context.logLevel === 50);

  t.like(line, {
    context: {
      error: {message: 'visible in the log', name: 'Error'},
      functionName: 'schedule',
      logLevel: 50,
      namespace: 'createPlanton',
      package: 'planton',
    },
    message: 'schedule threw',
  });
});

test('a rejecting async task listener, reported as TASK_LISTENER_ERROR, stops neither the other listeners nor the next rounds', async (t) => {
  const rejection = new Error('async listener broke');
  const {clock, planton} = createTestPlanton({task: {calculateDelay: () => 10, concurrency: 2, schedule: () => ['x', 'y']}});

  planton.events.on('task', async () => {
    await Promise.resolve();
    throw rejection;
  });

  const {errors, tasks} = recordEvents(planton);

  await clock.advance(10);
  t.deepEqual(tasks.map(({instruction}) => instruction), ['x', 'y'], 'the other listeners still got both instructions');
  t.is(errors.length, 2);
  t.like(errors[0], {error: {code: 'TASK_LISTENER_ERROR', instruction: 'x', taskName: 'a'}, taskName: 'a'});
  t.is(errors[0]?.error.cause, rejection);

  await clock.advance(10);
  t.deepEqual(tasks.map(({instruction}) => instruction), ['x', 'y', 'x', 'y'], 'the next round still went');
  t.is(errors.length, 4);

  await planton.terminate();
});
