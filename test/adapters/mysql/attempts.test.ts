/**
 * The reaper and attempts on MySQL/MariaDB, on a manual clock: a crashed executor's execution is
 * terminated once its heartbeat is older than the task's limit; each failed or terminated attempt
 * delays the instruction's next claim, the `maxAttempts`-th makes it dead until retried.
 */
import test from 'ava';
import type {RowDataPacket} from 'mysql2/promise';
import type {ClaimedExecution, DeadInstruction} from '../../../src/adapters/types.ts';
import {createManualClock} from '../../helpers/createManualClock.ts';
import {createTestPool} from '../../helpers/mysql.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {countExecutions, createItemClaim, createItems} from './helpers/items.ts';
import {setUpMysqlStore} from './helpers/setUpMysqlStore.ts';

const START = 1_700_000_000_000;

requireEnvironment({skipTitle: 'mysql: the attempts tests need PLANTON_TEST_MYSQL_URL', variable: 'PLANTON_TEST_MYSQL_URL'}, (url) => {
  const pool = createTestPool(url);

  test('the reaper terminates an execution whose heartbeat stopped, and its instruction is claimable again after the retry delay', async (t) => {
    const {createStore, database} = setUpMysqlStore(t, pool);
    const clock = createManualClock(START);

    await createItems(pool, database, 2);

    // The crashed process: it claimed and never heartbeats again (its store is gone).
    const crashed = await createStore({clock, heartbeatInterval: 1e9});
    const reaper = await createStore({clock});
    const claim = createItemClaim(database);

    await reaper.registerTask({maxExecutionDuration: 60_000, name: 'items', retryDelay: 5_000});

    const claimed = await crashed.claimExecutions({claim, limit: 2, taskName: 'items'});

    t.is(claimed.length, 2);
    await crashed.heartbeat({instruction: 2, taskName: 'items'});
    t.deepEqual(await reaper.reap(), []);

    await clock.advance(30_000);
    // Instruction 2 is alive: its heartbeat is 30 s old at the next check.
    await reaper.heartbeat({instruction: 2, taskName: 'items'});
    await clock.advance(31_000);

    const reapedEvents: Array<ReadonlyArray<ClaimedExecution<number>>> = [];

    reaper.events.on('reaped', ({executions}) => {
      reapedEvents.push(executions);
    });

    const woken: string[] = [];

    await reaper.subscribe({onWake: (reason) => woken.push(reason), taskName: 'items'});

    const reaped = await reaper.reap();

    t.deepEqual(reaped.map(({instruction}) => instruction), [1]);
    t.deepEqual(reapedEvents.flat().map(({instruction}) => instruction), [1]);
    t.deepEqual(woken, ['REAPED']);
    t.deepEqual(await countExecutions(pool, database), {RUNNING: 1, TERMINATED: 1});

    // Within the retry delay after the terminated attempt, the item is skipped; after it, claimed.
    t.deepEqual(await reaper.claimExecutions({claim, limit: 5, taskName: 'items'}), []);
    await clock.advance(5_001);
    t.deepEqual((await reaper.claimExecutions({claim, limit: 5, taskName: 'items'})).map(({instruction}) => instruction), [1]);
    await t.throwsAsync(crashed.completeExecution({executionId: claimed[0]?.executionId ?? 0}), {code: 'EXECUTION_NOT_RUNNING'});
  });

  test('failed attempts back off, double, and the last one makes the instruction dead until retried', async (t) => {
    const {createStore, database} = setUpMysqlStore(t, pool);
    const clock = createManualClock(START);

    await createItems(pool, database, 1);

    const store = await createStore({clock});
    const claim = createItemClaim(database);
    const dead: Array<ReadonlyArray<DeadInstruction<number>>> = [];

    store.events.on('dead', ({instructions}) => {
      dead.push(instructions);
    });
    await store.registerTask({maxAttempts: 3, maxRetryDelay: 3_000, name: 'items', retryDelay: 2_000});

    const attempt = async () => (await store.claimExecutions({claim, limit: 1, taskName: 'items'})).map(({instruction}) => instruction);

    t.deepEqual(await attempt(), [1]);
    await store.failExecution({instruction: 1, taskName: 'items'}, new Error('first'));
    await clock.advance(1_999);
    t.deepEqual(await attempt(), []);
    await clock.advance(1);
    t.deepEqual(await attempt(), [1]);
    await store.failExecutions([{error: new Error('second'), reference: {instruction: 1, taskName: 'items'}}]);
    // 2 × 2,000 capped at 3,000.
    await clock.advance(2_999);
    t.deepEqual(await attempt(), []);
    await clock.advance(1);
    t.deepEqual(await attempt(), [1]);
    await store.failExecution({instruction: 1, taskName: 'items'}, new Error('third'));

    t.is(dead.length, 1);
    t.like(dead[0]?.[0], {attempts: 3, error: {message: 'third'}, instruction: 1, taskName: 'items'});
    await clock.advance(1e9);
    t.deepEqual(await attempt(), []);

    const listed = await store.listDeadInstructions({taskName: 'items'});

    t.is(listed.length, 1);
    t.like(listed[0], {attempts: 3, instruction: 1, taskName: 'items'});
    t.is(listed[0]?.deadAt.getTime(), START + 5_000);
    t.deepEqual(await store.listDeadInstructions({taskName: 'other'}), []);
    await t.throwsAsync(store.listDeadInstructions({limit: 0}), {code: 'INVALID_STORE_CONFIGURATION'});

    const woken: string[] = [];

    await store.subscribe({onWake: (reason) => woken.push(reason), taskName: 'items'});
    t.true(await store.retryInstruction({instruction: 1, taskName: 'items'}));
    t.deepEqual(woken, ['RETRIED']);
    t.false(await store.retryInstruction({instruction: 1, taskName: 'items'}));
    t.deepEqual(await attempt(), [1]);
    await store.completeExecution({instruction: 1, taskName: 'items'});

    const [rows] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS count FROM \`${database}\`.planton_maintenance_task_instruction_retry`);

    t.is(Number(rows[0]?.count), 0, 'a completion forgets the failed attempts');
    t.deepEqual(await countExecutions(pool, database), {COMPLETED: 1, FAILED: 3});
  });

  test('a terminated attempt counts toward maxAttempts', async (t) => {
    const {createStore} = setUpMysqlStore(t, pool);
    const clock = createManualClock(START);
    const store = await createStore({clock, heartbeatInterval: 1e9});
    const dead: Array<ReadonlyArray<DeadInstruction<number>>> = [];

    store.events.on('dead', ({instructions}) => {
      dead.push(instructions);
    });
    await store.registerTask({maxAttempts: 1, maxExecutionDuration: 1_000, name: 'items'});
    await store.claimExecutions({claim: () => ['a'], limit: 1, taskName: 'items'});
    await clock.advance(1_001);
    t.is((await store.reap()).length, 1);
    t.like(dead[0]?.[0], {attempts: 1, error: {code: 'EXECUTION_TERMINATED'}, instruction: 'a'});
  });
});
