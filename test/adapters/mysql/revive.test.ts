/**
 * reviveExecution on MySQL/MariaDB: an execution a sink released (FAILED with SINK_PUBLISH_FAILED)
 * whose message reached the broker after all is RUNNING again, its failed attempt taken back; any
 * other end, a later attempt, or a RUNNING execution of the same instruction leaves it alone.
 */
import test from 'ava';
import type {RowDataPacket} from 'mysql2/promise';
import {SinkPublishError} from '../../../src/adapters/sinks/errors.ts';
import {createTestPool} from '../../helpers/mysql.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {countExecutions} from './helpers/items.ts';
import {setUpMysqlStore} from './helpers/setUpMysqlStore.ts';

requireEnvironment({skipTitle: 'mysql: the revival tests need PLANTON_TEST_MYSQL_URL', variable: 'PLANTON_TEST_MYSQL_URL'}, (url) => {
  const pool = createTestPool(url);

  test('a released execution is revived once, its attempt taken back; other ends are not revived', async (t) => {
    const {createStore, database} = setUpMysqlStore(t, pool);
    const store = await createStore();
    const [released, failed] = await store.claimExecutions({claim: () => [1, 2], limit: 2, taskName: 'items'});

    if (released === undefined || failed === undefined) {
      throw new Error('expected two executions');
    }

    await store.failExecution({executionId: released.executionId}, new SinkPublishError('items', 1, new Error('timeout'), released.executionId));
    await store.failExecution({executionId: failed.executionId}, new Error('the handler failed'));

    t.true(await store.reviveExecution({executionId: released.executionId}));
    t.false(await store.reviveExecution({executionId: released.executionId}), 'a second revival changes nothing');
    t.false(await store.reviveExecution({executionId: failed.executionId}), 'not a release');
    t.false(await store.reviveExecution({executionId: 999_999}));
    t.false(await store.reviveExecution({executionId: Number.NaN}));
    t.deepEqual(await countExecutions(pool, database), {FAILED: 1, RUNNING: 1});
    t.is(store.getClaimedExecutionId({instruction: 1, taskName: 'items'}), released.executionId);

    const [rows] = await pool.query<RowDataPacket[]>(`SELECT failed_attempt_count FROM \`${database}\`.planton_maintenance_task_instruction_retry ORDER BY failed_attempt_count`);

    t.deepEqual(rows.map((row) => Number(row.failed_attempt_count)), [0, 1]);

    await store.completeExecution({instruction: 1, taskName: 'items'});
    t.deepEqual(await countExecutions(pool, database), {COMPLETED: 1, FAILED: 1});
  });

  test('a release is not revived once the instruction runs again', async (t) => {
    const {createStore} = setUpMysqlStore(t, pool);
    const store = await createStore();

    await store.registerTask({name: 'items', retryDelay: 0});

    const [released] = await store.claimExecutions({claim: () => [1], limit: 1, taskName: 'items'});

    if (released === undefined) {
      throw new Error('expected an execution');
    }

    await store.failExecution({executionId: released.executionId}, new SinkPublishError('items', 1, new Error('timeout'), released.executionId));
    t.is((await store.claimExecutions({claim: () => [1], limit: 1, taskName: 'items'})).length, 1);
    t.false(await store.reviveExecution({executionId: released.executionId}));
  });
});
