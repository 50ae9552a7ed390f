/**
 * The MySQL/MariaDB store under the engine: createPlanton claims through createSchedule, a
 * processor runs the handlers and records their outcomes in batches; hostile task names and
 * instructions travel as parameters and round-trip unchanged; wake-ups without notifications.
 */
import test from 'ava';
import type {RowDataPacket} from 'mysql2/promise';
import {createProcessor} from '../../../src/adapters/processor/createProcessor.ts';
import type {WakeReason} from '../../../src/adapters/types.ts';
import {createPlanton} from '../../../src/index.ts';
import {createManualClock} from '../../helpers/createManualClock.ts';
import {createTestPool} from '../../helpers/mysql.ts';
import {recordEvents} from '../../helpers/recordEvents.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {until} from '../../helpers/until.ts';
import {runHostileTask} from '../helpers/runHostileTask.ts';
import {countExecutions, createItemClaim, createItems} from './helpers/items.ts';
import {setUpMysqlStore} from './helpers/setUpMysqlStore.ts';

requireEnvironment({skipTitle: 'mysql: the engine tests need PLANTON_TEST_MYSQL_URL', variable: 'PLANTON_TEST_MYSQL_URL'}, (url) => {
  const pool = createTestPool(url);

  test('a Planton and a processor on the store run every item once and complete every execution', async (t) => {
    const {createStore, database} = setUpMysqlStore(t, pool);

    await createItems(pool, database, 200);

    const store = await createStore();
    const planton = createPlanton<number>({
      getActiveTaskInstructions: store.getActiveTaskInstructions,
      tasks: [{
        calculateDelay: (attemptNumber) => attemptNumber === 0 ? 0 : 20,
        concurrency: 50,
        name: 'items',
        schedule: store.createSchedule(createItemClaim(database)),
      }],
    });
    const processor = createProcessor<number>({
      handlers: {
        items: async (instruction) => {
          await pool.query(`UPDATE \`${database}\`.item SET processed_count = processed_count + 1 WHERE id = ?`, [instruction]);
        },
      },
      planton,
      store,
    });
    const errors: unknown[] = [];

    processor.events.on('error', ({error}) => errors.push(error));
    t.teardown(async () => {
      await planton.terminate();
      await processor.stop();
    });

    await until(async () => (await countExecutions(pool, database)).COMPLETED === 200);
    await planton.terminate();
    await processor.stop();

    const [rows] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS done, SUM(processed_count > 1) AS duplicated FROM \`${database}\`.item WHERE processed_count >= 1`);

    t.is(Number(rows[0]?.done), 200);
    t.is(Number(rows[0]?.duplicated), 0);
    t.deepEqual(await countExecutions(pool, database), {COMPLETED: 200});
    t.deepEqual(errors, []);
  });

  test('hostile task names and instructions round-trip unchanged', async (t) => {
    const {createStore, database} = setUpMysqlStore(t, pool);
    const store = await createStore();
    const taskName = `Robert'); DROP TABLE planton_maintenance_task;-- "ünïcødé" 🚀 \\ \` ? ?? %s ${'x'.repeat(900)}`;
    const instructions = ['\'; SELECT SLEEP(10); --', '"double" \'single\' `back`', 'ünïcødé 🚀 日本語', '? ?? :name', 'back\\slash \\x00 \u0000', ' ', 'A', 'a'];

    await pool.query(`CREATE TABLE \`${database}\`.hostile (value VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY, done BOOLEAN NOT NULL DEFAULT false)`);
    await pool.query(`INSERT INTO \`${database}\`.hostile (value) VALUES ?`, [instructions.map((value) => [value])]);

    await runHostileTask(t, {
      failExecution: async (event, error) => {
        await store.failExecution(event as never, error);
      },
      getActiveTaskInstructions: store.getActiveTaskInstructions as never,
      instructions,
      schedule: store.createSchedule(({isActiveInstruction, limit}) => ({
        sql: `SELECT h.value FROM \`${database}\`.hostile h WHERE NOT h.done AND NOT ${isActiveInstruction('h.value')} ORDER BY h.value LIMIT ? FOR UPDATE SKIP LOCKED`,
        values: [limit],
      })) as never,
      taskName,
    });

    const [stored] = await pool.query<RowDataPacket[]>(`
      SELECT e.instruction, e.error, t.nid FROM \`${database}\`.planton_maintenance_task_execution e
      JOIN \`${database}\`.planton_maintenance_task t ON t.id = e.maintenance_task_id
    `);

    t.deepEqual(stored.map((row) => JSON.parse(String(row.instruction)) as string).sort(), [...instructions].sort());
    t.true(stored.every((row) => row.nid === taskName));
    // serializeUserError writes NUL as U+FFFD in messages (as for every store).
    t.deepEqual(stored.map((row) => (JSON.parse(String(row.error)) as {message: string}).message), stored.map((row) => (JSON.parse(String(row.instruction)) as string).replaceAll('\u0000', '\uFFFD')));
    t.true(await store.retryInstruction({instruction: (instructions[0] ?? '') as never, taskName}));
  });

  test('task names the tables cannot hold are refused with INVALID_STORE_CONFIGURATION', async (t) => {
    const {createStore} = setUpMysqlStore(t, pool);
    const store = await createStore();

    await t.throwsAsync(store.registerTask({name: ''}), {code: 'INVALID_STORE_CONFIGURATION'});
    await t.throwsAsync(store.registerTask({name: 'x'.repeat(1_001)}), {code: 'INVALID_STORE_CONFIGURATION'});
    await t.throwsAsync(store.registerTask({name: '\uD800'}), {code: 'INVALID_STORE_CONFIGURATION'});
    await t.throwsAsync(store.claimExecutions({claim: () => ['\uD800'], limit: 1, taskName: 'items'}), {code: 'UNEXPECTED_CLAIM_RESULT'});
    await t.throwsAsync(store.claimExecutions({claim: () => [Number.NaN], limit: 1, taskName: 'items'}), {code: 'UNEXPECTED_CLAIM_RESULT'});
    // What mysql2 makes of 9007199254740993 in a BIGINT column without supportBigNumbers.
    await t.throwsAsync(store.claimExecutions({claim: () => ({sql: 'SELECT CAST(9007199254740993 AS SIGNED)'}), limit: 1, taskName: 'items'}), {code: 'UNEXPECTED_CLAIM_RESULT'});
    await t.throwsAsync(store.completeExecution({instruction: '\uD800', taskName: 'items'} as never), {code: 'EXECUTION_NOT_RUNNING'});
  });

  test('notifyTask and retryInstruction wake this process at once; polling wakes every subscriber each pollInterval', async (t) => {
    const {createStore} = setUpMysqlStore(t, pool);
    const clock = createManualClock(0);
    const store = await createStore({clock, pollInterval: 500});
    const woken: Array<[string, WakeReason]> = [];
    const unsubscribe = await store.subscribe({onWake: (reason) => woken.push(['items', reason]), taskName: 'items'});

    await store.subscribe({onWake: (reason) => woken.push(['other', reason]), taskName: 'other'});
    await store.notifyTask('items');
    t.deepEqual(woken, [['items', 'NOTIFICATION']]);

    await clock.advance(500);
    t.deepEqual(woken.slice(1), [['items', 'POLLED'], ['other', 'POLLED']]);

    await unsubscribe();
    await clock.advance(500);
    t.deepEqual(woken.slice(3), [['other', 'POLLED']]);
  });
});
