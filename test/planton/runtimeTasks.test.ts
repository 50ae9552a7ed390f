import test from 'ava';
import {createPlanton} from '../../src/index.ts';
import {createDeferred, createManualClock, flush} from '../helpers/createManualClock.ts';
import {recordEvents} from '../helpers/recordEvents.ts';
import {until} from '../helpers/until.ts';
import {createTestPlanton} from './helpers/createTestPlanton.ts';

test('addTask starts a loop at run time', async (t) => {
  const clock = createManualClock();
  const planton = createPlanton({clock, getActiveTaskInstructions: () => [], tasks: []});
  const {tasks} = recordEvents(planton);

  planton.addTask({calculateDelay: () => 10, name: 'late', schedule: () => ['x']});
  await clock.advance(10);

  t.deepEqual(tasks, [{instruction: 'x', taskName: 'late'}]);
  t.deepEqual(Object.keys(planton.getStats()), ['late']);

  await planton.terminate();
});

test('addTask validates as createPlanton does', (t) => {
  const planton = createPlanton({getActiveTaskInstructions: () => [], tasks: [{name: 'a', schedule: () => []}]});

  t.teardown(async () => {
    await planton.terminate();
  });

  t.throws(() => {
    planton.addTask({name: 'a', schedule: () => []});
  }, {code: 'DUPLICATE_TASK_NAME'});
  t.throws(() => {
    planton.addTask({concurrency: 0, name: 'b', schedule: () => []});
  }, {code: 'INVALID_TASK_CONFIGURATION'});
  t.deepEqual(Object.keys(planton.getStats()), ['a']);
});

test('removeTask waits for the in-flight round, then the task is gone', async (t) => {
  const round = createDeferred<string[]>();
  let calls = 0;
  const {clock, planton} = createTestPlanton({
    task: {calculateDelay: () => 10, schedule: async () => {
      calls++;

      return await round.promise;
    }},
  });
  const {tasks} = recordEvents(planton);

  await clock.advance(10);
  t.is(calls, 1);

  let removed = false;
  const removing = planton.removeTask('a').then(() => {
    removed = true;
  });

  await flush();
  t.false(removed);
  t.deepEqual(Object.keys(planton.getStats()), []);

  round.resolve(['last']);
  await removing;
  t.deepEqual(tasks, [{instruction: 'last', taskName: 'a'}]);

  await clock.advance(100);
  t.is(calls, 1);
  t.throws(() => {
    planton.trigger('a');
  }, {code: 'UNKNOWN_TASK'});
});

test('a removed name can be added again', async (t) => {
  const clock = createManualClock();
  const planton = createPlanton({clock, getActiveTaskInstructions: () => [], tasks: [{calculateDelay: () => 10, name: 'a', schedule: () => []}]});

  await planton.removeTask('a');
  planton.addTask({calculateDelay: () => 10, name: 'a', schedule: () => ['again']});

  const {tasks} = recordEvents(planton);

  await clock.advance(10);
  t.deepEqual(tasks, [{instruction: 'again', taskName: 'a'}]);

  await planton.terminate();
});

test('removeTask of an unknown task rejects with UNKNOWN_TASK', async (t) => {
  const planton = createPlanton({getActiveTaskInstructions: () => [], tasks: []});

  t.teardown(async () => {
    await planton.terminate();
  });

  await t.throwsAsync(planton.removeTask('nope'), {code: 'UNKNOWN_TASK'});
});

test('addTask after terminate throws PLANTON_TERMINATED', async (t) => {
  const planton = createPlanton({getActiveTaskInstructions: () => [], tasks: []});

  await planton.terminate();
  t.throws(() => {
    planton.addTask({name: 'a', schedule: () => []});
  }, {code: 'PLANTON_TERMINATED'});
});

test('removing one task leaves the others running', async (t) => {
  const calls: string[] = [];
  const {clock, planton} = createTestPlanton({
    task: {calculateDelay: () => 10, schedule: ({taskName}) => {
      calls.push(taskName);

      return [];
    }},
    taskNames: ['a', 'b'],
  });

  await planton.removeTask('a');
  await clock.advance(30);
  await until(() => calls.length === 3);
  t.deepEqual(calls, ['b', 'b', 'b']);

  await planton.terminate();
});
