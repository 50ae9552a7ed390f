/**
 * Failed attempts on SQLite, on a manual clock: a failed or reaped instruction waits out its retry
 * delay (doubled each time, up to the maximum), becomes dead after maxAttempts, and is revived by
 * retryInstruction; the reaper terminates executions whose heartbeat stopped.
 */
import test, {type ExecutionContext} from 'ava';
import {createSqliteStore} from '../../../src/adapters/sqlite/createSqliteStore.ts';
import type {DeadInstruction} from '../../../src/adapters/types.ts';
import {createManualClock} from '../../helpers/createManualClock.ts';
import {createItems, createTemporaryDatabase, itemClaim} from './helpers/temporaryDatabase.ts';

const START = Date.UTC(2026, 0, 1);

const setUp = async (t: ExecutionContext) => {
  const {filename} = createTemporaryDatabase(t);

  createItems(filename, 1);

  const clock = createManualClock(START);
  const store = await createSqliteStore<number>({clock, filename, heartbeatInterval: 60_000, pollInterval: 0, reaperInterval: 0});

  t.teardown(async () => {
    await store.terminate();
  });

  const claimOne = async () => (await store.claimExecutions({claim: itemClaim, limit: 1, taskName: 'items'}))[0];

  return {claimOne, clock, store};
};

test('a failed instruction waits out its retry delay, doubled after each failure up to maxRetryDelay', async (t) => {
  const {claimOne, clock, store} = await setUp(t);

  await store.registerTask({maxAttempts: 10, maxRetryDelay: 3_000, name: 'items', retryDelay: 1_000});

  for (const delay of [1_000, 2_000, 3_000, 3_000]) {
    const execution = await claimOne();

    t.truthy(execution);
    await store.failExecution(execution ?? {executionId: -1}, new Error('poison'));
    await clock.advance(delay - 1);
    t.is(await claimOne(), undefined, `still waiting ${delay} ms after the failure`);
    await clock.advance(1);
  }

  t.truthy(await claimOne());
});

test('an instruction failing maxAttempts times is dead (event, listDeadInstructions) until retryInstruction revives it', async (t) => {
  const {claimOne, clock, store} = await setUp(t);
  const dead: Array<ReadonlyArray<DeadInstruction<number>>> = [];

  store.events.on('dead', ({instructions}) => {
    dead.push(instructions);
  });
  await store.registerTask({maxAttempts: 2, name: 'items', retryDelay: 0});

  await store.failExecution(await claimOne() ?? {executionId: -1}, new Error('first'));
  t.deepEqual(dead, []);
  await store.failExecutions([{error: new Error('second'), reference: await claimOne() ?? {executionId: -1}}]);
  t.like(dead, [[{attempts: 2, error: {message: 'second'}, instruction: 1, taskName: 'items'}]]);

  await clock.advance(86_400_000);
  t.is(await claimOne(), undefined);

  const [listed] = await store.listDeadInstructions({taskName: 'items'});

  t.like(listed, {attempts: 2, error: {message: 'second'}, instruction: 1, taskName: 'items'});
  t.is(listed?.deadAt.getTime(), START);
  await t.throwsAsync(store.listDeadInstructions({limit: 0}), {code: 'INVALID_STORE_CONFIGURATION'});

  const woken: string[] = [];

  await store.subscribe({onWake: (reason) => woken.push(reason), taskName: 'items'});
  t.true(await store.retryInstruction({instruction: 1, taskName: 'items'}));
  t.deepEqual(woken, ['RETRIED']);
  t.false(await store.retryInstruction({instruction: 1, taskName: 'items'}));
  t.deepEqual(await store.listDeadInstructions(), []);
  t.truthy(await claimOne());
});

test('a completed attempt forgets the failures before it', async (t) => {
  const {claimOne, clock, store} = await setUp(t);

  await store.registerTask({maxAttempts: 2, name: 'items', retryDelay: 10});
  await store.failExecution(await claimOne() ?? {executionId: -1}, new Error('first'));
  await clock.advance(10);
  await store.completeExecution(await claimOne() ?? {executionId: -1});
  await store.failExecution(await claimOne() ?? {executionId: -1}, new Error('again'));
  await clock.advance(10);
  t.truthy(await claimOne(), 'one failure since the completion: not dead');
});

test('the reaper terminates an execution whose heartbeat is older than maxExecutionDuration; its instruction is claimable after the retry delay', async (t) => {
  const {claimOne, clock, store} = await setUp(t);
  const reapedEvents: unknown[] = [];
  const woken: string[] = [];

  store.events.on('reaped', ({executions}) => reapedEvents.push(executions));
  await store.subscribe({onWake: (reason) => woken.push(reason), taskName: 'items'});
  await store.registerTask({maxExecutionDuration: 5_000, name: 'items', retryDelay: 100});

  const execution = await claimOne();

  await clock.advance(4_000);
  await store.heartbeat(execution ?? {executionId: -1});
  await clock.advance(4_000);
  t.deepEqual(await store.reap(), [], 'the heartbeat 4 s ago keeps it alive');
  await clock.advance(1_001);

  const reaped = await store.reap();

  t.deepEqual(reaped, [{executionId: execution?.executionId ?? -1, instruction: 1, taskName: 'items'}]);
  t.deepEqual(reapedEvents, [reaped]);
  t.deepEqual(woken, ['REAPED']);
  await t.throwsAsync(store.completeExecution(execution ?? {executionId: -1}), {code: 'EXECUTION_NOT_RUNNING'});
  t.is(await claimOne(), undefined);
  await clock.advance(100);
  t.truthy(await claimOne());
});

test('the reaper loop runs every reaperInterval on the injected clock', async (t) => {
  const {filename} = createTemporaryDatabase(t);

  createItems(filename, 1);

  const clock = createManualClock(START);
  const store = await createSqliteStore<number>({clock, filename, heartbeatInterval: 1_000_000, pollInterval: 0, reaperInterval: 1_000});

  t.teardown(async () => {
    await store.terminate();
  });

  await store.registerTask({maxExecutionDuration: 2_000, name: 'items'});
  await store.claimExecutions({claim: itemClaim, limit: 1, taskName: 'items'});

  const reaped = new Promise((resolve) => {
    store.events.on('reaped', resolve);
  });

  await clock.advance(3_000);
  t.like(await reaped, {executions: [{instruction: 1, taskName: 'items'}]});
});
