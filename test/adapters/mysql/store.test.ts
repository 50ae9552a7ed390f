/**
 * The MySQL/MariaDB store on a real server (PLANTON_TEST_MYSQL_URL): claim and record in one
 * transaction, complete/fail single and batched, heartbeats, references by instruction, each test
 * in a fresh database.
 */
import test from 'ava';
import type {RowDataPacket} from 'mysql2/promise';
import {createTestPool} from '../../helpers/mysql.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {countExecutions, createItemClaim, createItems} from './helpers/items.ts';
import {setUpMysqlStore} from './helpers/setUpMysqlStore.ts';

requireEnvironment({skipTitle: 'mysql: the store tests need PLANTON_TEST_MYSQL_URL', variable: 'PLANTON_TEST_MYSQL_URL'}, (url) => {
  const pool = createTestPool(url);

  test('claims unprocessed items, records them RUNNING, and skips them while they run', async (t) => {
    const {createStore, database} = setUpMysqlStore(t, pool);

    await createItems(pool, database, 5);

    const store = await createStore();
    const claim = createItemClaim(database);
    const first = await store.claimExecutions({claim, limit: 3, taskName: 'items'});

    t.deepEqual(first.map((execution) => execution.instruction), [1, 2, 3]);
    t.true(first.every((execution) => Number.isSafeInteger(execution.executionId) && execution.taskName === 'items'));
    t.deepEqual(await store.getActiveTaskInstructions('items', {signal: new AbortController().signal}), [1, 2, 3]);

    const second = await store.claimExecutions({claim, limit: 10, taskName: 'items'});

    t.deepEqual(second.map((execution) => execution.instruction), [4, 5]);
    t.deepEqual(await countExecutions(pool, database), {RUNNING: 5});
    t.is(store.getClaimedExecutionId({instruction: 4, taskName: 'items'}), second[0]?.executionId ?? Number.NaN);
  });

  test('a claim that fails after its own writes rolls them back, and records nothing', async (t) => {
    const {createStore, database} = setUpMysqlStore(t, pool);

    await createItems(pool, database, 3);

    const store = await createStore();
    const error = await t.throwsAsync(store.claimExecutions({
      claim: async ({connection}) => {
        await connection.query(`UPDATE \`${database}\`.item SET processed_count = 99 WHERE id = 1`);

        return [1, {id: 2}];
      },
      limit: 5,
      taskName: 'items',
    }));

    t.like(error, {code: 'UNEXPECTED_CLAIM_RESULT'});

    const [rows] = await pool.query<RowDataPacket[]>(`SELECT processed_count FROM \`${database}\`.item WHERE id = 1`);

    t.is(Number(rows[0]?.processed_count), 0);
    t.deepEqual(await countExecutions(pool, database), {});

    await t.throwsAsync(store.claimExecutions({claim: () => [1, 2, 3], limit: 2, taskName: 'items'}), {code: 'UNEXPECTED_CLAIM_RESULT'});
    t.deepEqual(await countExecutions(pool, database), {});
  });

  test('an instruction claimed while it runs is dropped, not recorded twice', async (t) => {
    const {createStore, database} = setUpMysqlStore(t, pool);
    const store = await createStore();

    t.deepEqual((await store.claimExecutions({claim: () => [7, 8], limit: 5, taskName: 'items'})).map(({instruction}) => instruction), [7, 8]);
    // A claim that ignores isActiveInstruction: the unique key drops 7 and 8.
    t.deepEqual((await store.claimExecutions({claim: () => [7, 8, 9], limit: 5, taskName: 'items'})).map(({instruction}) => instruction), [9]);
    t.deepEqual(await countExecutions(pool, database), {RUNNING: 3});
  });

  test('completes and fails executions by id and by instruction; an ended one is EXECUTION_NOT_RUNNING', async (t) => {
    const {createStore, database} = setUpMysqlStore(t, pool);
    const store = await createStore();
    const [one, two] = await store.claimExecutions({claim: () => [1, 2], limit: 2, taskName: 'items'});

    if (one === undefined || two === undefined) {
      throw new Error('expected two executions');
    }

    await store.completeExecution({executionId: one.executionId});
    await store.failExecution({instruction: 2, taskName: 'items'}, new Error('boom'));
    t.deepEqual(await countExecutions(pool, database), {COMPLETED: 1, FAILED: 1});

    await t.throwsAsync(store.completeExecution({executionId: one.executionId}), {code: 'EXECUTION_NOT_RUNNING'});
    await t.throwsAsync(store.failExecution({instruction: 2, taskName: 'items'}, new Error('again')), {code: 'EXECUTION_NOT_RUNNING'});
    await t.throwsAsync(store.heartbeat({executionId: two.executionId}), {code: 'EXECUTION_NOT_RUNNING'});
    await t.throwsAsync(store.completeExecution({executionId: Number.NaN}), {code: 'EXECUTION_NOT_RUNNING'});

    const [rows] = await pool.query<RowDataPacket[]>(`SELECT error FROM \`${database}\`.planton_maintenance_task_execution WHERE id = ?`, [two.executionId]);

    t.like(JSON.parse(String(rows[0]?.error)), {message: 'boom'});
  });

  test('completes and fails batches, and reports the references that were not running', async (t) => {
    const {createStore, database} = setUpMysqlStore(t, pool);
    const store = await createStore();
    const executions = await store.claimExecutions({claim: () => [1, 2, 3, 4, 5, 6], limit: 6, taskName: 'items'});
    const [a, b, c, d, e, f] = executions.map(({executionId}) => ({executionId}));

    if (a === undefined || b === undefined || c === undefined || d === undefined || e === undefined || f === undefined) {
      throw new Error('expected six executions');
    }

    t.deepEqual(await store.heartbeatExecutions([a, b, {executionId: 999_999}]), [{executionId: 999_999}]);
    t.deepEqual(await store.findNotRunning([a, {executionId: 999_999}]), [{executionId: 999_999}]);

    const unknown = {instruction: 42, taskName: 'items'};

    const again = {...a};

    t.deepEqual(await store.completeExecutions([a, b, again, unknown]), [again, unknown]);
    t.deepEqual(await store.completeExecutions([a]), [a]);

    const failed = await store.failExecutions([
      {error: new Error('first'), reference: c},
      {error: new Error('second'), reference: {instruction: 4, taskName: 'items'}},
      {error: new Error('late'), reference: b},
    ]);

    t.deepEqual(failed, [b]);
    t.deepEqual(await store.findNotRunning([c, d, e, f]), [c, d]);
    t.deepEqual(await countExecutions(pool, database), {COMPLETED: 2, FAILED: 2, RUNNING: 2});

    const [rows] = await pool.query<RowDataPacket[]>(`SELECT id, error FROM \`${database}\`.planton_maintenance_task_execution WHERE state = 'FAILED' ORDER BY id`);

    t.deepEqual(rows.map((row) => (JSON.parse(String(row.error)) as {message: string}).message), ['first', 'second']);
  });

  test('completes inside the caller\'s transaction: a rollback leaves the execution RUNNING', async (t) => {
    const {createStore, database} = setUpMysqlStore(t, pool);
    const store = await createStore();
    const [execution] = await store.claimExecutions({claim: () => [1], limit: 1, taskName: 'items'});

    if (execution === undefined) {
      throw new Error('expected an execution');
    }

    const connection = await pool.getConnection();

    try {
      await connection.beginTransaction();
      await store.completeExecution({executionId: execution.executionId}, {connection});
      await connection.rollback();
    } finally {
      connection.release();
    }

    t.deepEqual(await countExecutions(pool, database), {RUNNING: 1});
  });

  test('the task\'s stored concurrency overrides the one given in code', async (t) => {
    const {createStore} = setUpMysqlStore(t, pool);
    const store = await createStore();

    await store.registerTask({maxConcurrentExecutionCount: 4, name: 'items'});
    t.is(await store.getTaskConcurrency({concurrency: 9, taskName: 'items'}), 4);
    t.is(await store.getTaskConcurrency({concurrency: 9, taskName: 'other'}), 9);
  });

  test('a terminated store refuses to claim and to subscribe', async (t) => {
    const {createStore} = setUpMysqlStore(t, pool);
    const store = await createStore();

    await store.terminate();
    await t.throwsAsync(store.claimExecutions({claim: () => [1], limit: 1, taskName: 'items'}), {code: 'STORE_TERMINATED'});
    await t.throwsAsync(store.subscribe({onWake: () => undefined, taskName: 'items'}), {code: 'STORE_TERMINATED'});
  });
});
