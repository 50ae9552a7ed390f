/**
 * The SQLite store on a temporary file: claim and record in one transaction, complete / fail one
 * and many, heartbeats, the references it cannot find, hostile names.
 */
import test, {type ExecutionContext} from 'ava';
import {DatabaseSync} from 'node:sqlite';
import {createSqliteStore} from '../../../src/adapters/sqlite/createSqliteStore.ts';
import type {SqliteClaim, SqliteStore} from '../../../src/adapters/sqlite/types.ts';
import {createItems, createTemporaryDatabase, itemClaim} from './helpers/temporaryDatabase.ts';

const setUp = async (t: ExecutionContext, items = 10) => {
  const {filename} = createTemporaryDatabase(t);

  createItems(filename, items);

  const store = await createSqliteStore<number>({filename, pollInterval: 0, reaperInterval: 0});
  // The observer: a connection of its own, as another process would have.
  const observer = new DatabaseSync(filename, {timeout: 10_000});

  t.teardown(async () => {
    await store.terminate();
    observer.close();
  });

  const running = () => observer.prepare('SELECT instruction FROM planton_maintenance_task_execution WHERE ended_at IS NULL ORDER BY id').all().map((row) => row.instruction);

  return {filename, observer, running, store};
};

const claim = async (store: SqliteStore<number>, limit: number, claimFunction: SqliteClaim<number> = itemClaim) => {
  return await store.claimExecutions({claim: claimFunction, limit, taskName: 'items'});
};

test('claims instructions and records a RUNNING execution for each', async (t) => {
  const {running, store} = await setUp(t);
  const executions = await claim(store, 3);

  t.deepEqual(executions.map((execution) => execution.instruction), [1, 2, 3]);
  t.deepEqual(running(), [1, 2, 3]);
  t.deepEqual(await store.getActiveTaskInstructions('items', {signal: new AbortController().signal}), [1, 2, 3]);
  t.is(store.getClaimedExecutionId({instruction: 2, taskName: 'items'}), executions[1]?.executionId ?? -1);
  // isActiveInstruction skips what is running: the next claim takes the next items.
  t.deepEqual((await claim(store, 3)).map((execution) => execution.instruction), [4, 5, 6]);
});

test('a claim that throws after its own write rolls back that write and records nothing', async (t) => {
  const {observer, running, store} = await setUp(t);

  await t.throwsAsync(claim(store, 2, ({query}) => {
    query('UPDATE item SET processed_count = 99 WHERE id = 1');

    throw new Error('the claim failed');
  }), {message: 'the claim failed'});

  t.deepEqual(running(), []);
  t.is(observer.prepare('SELECT processed_count FROM item WHERE id = 1').get()?.processed_count, 0);
  // The rollback took the task's new row with it; the next claim creates it again.
  t.is((await claim(store, 2)).length, 2);
});

test('a claim returning more than the limit, objects or a promise claims nothing (UNEXPECTED_CLAIM_RESULT)', async (t) => {
  const {observer, running, store} = await setUp(t);

  await t.throwsAsync(claim(store, 2, ({query}) => {
    query('UPDATE item SET processed_count = 7 WHERE id = 1');

    return [1, 2, 3];
  }), {code: 'UNEXPECTED_CLAIM_RESULT'});
  await t.throwsAsync(claim(store, 2, () => [{id: 1}] as unknown as number[]), {code: 'UNEXPECTED_CLAIM_RESULT'});
  await t.throwsAsync(claim(store, 2, (async () => [1]) as unknown as SqliteClaim<number>), {code: 'UNEXPECTED_CLAIM_RESULT'});
  await t.throwsAsync(claim(store, 2, () => [Number.NaN]), {code: 'UNEXPECTED_CLAIM_RESULT'});
  t.deepEqual(running(), []);
  t.is(observer.prepare('SELECT processed_count FROM item WHERE id = 1').get()?.processed_count, 0);
});

test('an instruction already RUNNING is not claimed twice, whatever the claim returns', async (t) => {
  const {running, store} = await setUp(t);

  await claim(store, 1);

  const again = await claim(store, 3, () => [1, 2, 2]);

  t.deepEqual(again.map((execution) => execution.instruction), [2]);
  t.deepEqual(running(), [1, 2]);
});

test('completes and fails executions by id and by instruction; ended ones are EXECUTION_NOT_RUNNING', async (t) => {
  const {observer, store} = await setUp(t);
  const [first, second, third] = await claim(store, 3);

  if (first === undefined || second === undefined || third === undefined) {
    throw new Error('Expected three executions.');
  }

  await store.completeExecution({executionId: first.executionId});
  await store.failExecution({instruction: 2, taskName: 'items'}, new Error('boom'));
  await store.heartbeat(third);

  await t.throwsAsync(store.completeExecution({executionId: first.executionId}), {code: 'EXECUTION_NOT_RUNNING'});
  await t.throwsAsync(store.failExecution({instruction: 2, taskName: 'items'}, new Error('again')), {code: 'EXECUTION_NOT_RUNNING'});
  await t.throwsAsync(store.heartbeat({executionId: 123_456}), {code: 'EXECUTION_NOT_RUNNING'});
  await t.throwsAsync(store.completeExecution({executionId: Number.NaN}), {code: 'EXECUTION_NOT_RUNNING'});

  const rows = observer.prepare('SELECT instruction, state, json_extract(error, \'$.message\') AS message FROM planton_maintenance_task_execution ORDER BY id').all();

  t.like(rows, [{instruction: 1, message: null, state: 'COMPLETED'}, {instruction: 2, message: 'boom', state: 'FAILED'}, {instruction: 3, state: 'RUNNING'}]);
  t.is(store.getClaimedExecutionId({instruction: 1, taskName: 'items'}), null);
});

test('completes, fails, heartbeats and checks many executions in one call, returning those not running', async (t) => {
  const {observer, store} = await setUp(t);
  const executions = await claim(store, 6);
  const [one, two, three, four, five, six] = executions.map(({executionId}) => ({executionId}));

  if (one === undefined || two === undefined || three === undefined || four === undefined || five === undefined || six === undefined) {
    throw new Error('Expected six executions.');
  }

  const unknown = {executionId: 999_999};
  const oneAgain = {...one};

  t.deepEqual(await store.completeExecutions([one, two, unknown, oneAgain]), [unknown, oneAgain]);
  t.deepEqual(await store.failExecutions([{error: new Error('a'), reference: three}, {error: 'b', reference: {instruction: 4, taskName: 'items'}}, {error: 'c', reference: one}]), [one]);
  t.deepEqual(await store.findNotRunning([one, five, six, unknown]), [one, unknown]);
  t.deepEqual(await store.heartbeatExecutions([five, three, six]), [three]);

  const states = observer.prepare('SELECT state, json_extract(error, \'$.message\') AS message FROM planton_maintenance_task_execution ORDER BY id').all();

  t.like(states, [{state: 'COMPLETED'}, {state: 'COMPLETED'}, {message: 'a', state: 'FAILED'}, {state: 'FAILED'}, {state: 'RUNNING'}, {state: 'RUNNING'}]);
});

test('hostile task names and instructions are only parameters', async (t) => {
  const {filename, observer} = await setUp(t);
  const store = await createSqliteStore<number | string>({filename, pollInterval: 0, reaperInterval: 0, tablePrefix: 'hostile_'});

  t.teardown(async () => {
    await store.terminate();
  });

  const taskName = 'items"; DROP TABLE item; --\' \u0001 ${x}';
  const instructions = ['\'); DELETE FROM planton_maintenance_task; --', 'a"b', '42', 42, 1.5, 'nul \u0000 inside'];
  const executions = await store.claimExecutions({claim: () => instructions, limit: 10, taskName});

  t.deepEqual(executions.map((execution) => execution.instruction), instructions);
  t.deepEqual(await store.getActiveTaskInstructions(taskName, {signal: new AbortController().signal}), instructions);
  await store.completeExecution({instruction: '42', taskName});
  t.deepEqual(await store.getActiveTaskInstructions(taskName, {signal: new AbortController().signal}), instructions.filter((instruction) => instruction !== '42'));
  await store.notifyTask(taskName);
  t.is(observer.prepare('SELECT count(*) AS count FROM item').get()?.count, 10);
  await t.throwsAsync(store.registerTask({name: ''}), {code: 'INVALID_STORE_CONFIGURATION'});
});

test('ids and names are recorded in one statement, in the claim\'s order, skipping those already running', async (t) => {
  const {filename} = await setUp(t);
  const store = await createSqliteStore<number | string>({filename, pollInterval: 0, reaperInterval: 0, tablePrefix: 'order_'});

  t.teardown(async () => {
    await store.terminate();
  });

  await store.claimExecutions({claim: () => [7], limit: 1, taskName: 'mixed'});

  const executions = await store.claimExecutions({claim: () => [9, 'b', 7, 'a', 3], limit: 5, taskName: 'mixed'});

  t.deepEqual(executions.map((execution) => execution.instruction), [9, 'b', 'a', 3]);
  t.deepEqual(store.database.prepare('SELECT typeof(instruction) AS type FROM order_maintenance_task_execution ORDER BY id').all().map((row) => row.type), ['integer', 'integer', 'text', 'text', 'integer']);
});

test('a task row an operator tuned caps the claims (maxConcurrentExecutionCount)', async (t) => {
  const {store} = await setUp(t);

  await store.registerTask({maxConcurrentExecutionCount: 2, name: 'items'});

  t.is(await store.getTaskConcurrency({concurrency: 5, taskName: 'items'}), 2);
  t.is((await claim(store, 5)).length, 2);
  t.is((await claim(store, 5)).length, 0);
});

test('given concurrency, a claim never takes the task past it, whatever the limit', async (t) => {
  const {store} = await setUp(t);

  t.is((await store.claimExecutions({claim: itemClaim, concurrency: 3, limit: 10, taskName: 'items'})).length, 3);
  t.is((await store.claimExecutions({claim: itemClaim, concurrency: 3, limit: 10, taskName: 'items'})).length, 0);
});

test('createSchedule plugs the claim into a task\'s schedule', async (t) => {
  const {store} = await setUp(t);
  const schedule = store.createSchedule(itemClaim);

  t.deepEqual(await schedule({activeTaskInstructions: [], concurrency: 2, limit: 2, signal: new AbortController().signal, taskName: 'items'}), [1, 2]);
});

test('a terminated store refuses calls (STORE_TERMINATED) and closes the file it opened', async (t) => {
  const {store} = await setUp(t);

  await store.terminate();

  await t.throwsAsync(claim(store, 1), {code: 'STORE_TERMINATED'});
  await t.throwsAsync(store.completeExecution({executionId: 1}), {code: 'STORE_TERMINATED'});
  t.false(store.database.isOpen);
});
