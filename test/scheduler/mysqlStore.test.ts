import {fileURLToPath} from 'node:url';
import test from 'ava';
import {createPool, type Pool, type ResultSetHeader, type RowDataPacket} from 'mysql2/promise';
import {readMigrations} from '../../src/adapters/migrations/readMigrations.ts';
import {applyMysqlMigrations} from '../../src/adapters/mysql/applyMysqlMigrations.ts';
import {applyMysqlSchedulerMigrations, createMysqlSchedulerStore, parseSchedule, type ScheduledTaskDefinition} from '../../src/scheduler/index.ts';
import {findFreePort} from '../helpers/findFreePort.ts';
import {withDeadline} from '../helpers/withDeadline.ts';
import {defineMysqlSchedulerTests} from './helpers/mysqlStores.ts';
import {runSchedulerProcesses} from './helpers/runSchedulerProcesses.ts';

const WORKER = fileURLToPath(new URL('fixtures/mysqlSchedulerWorker.ts', import.meta.url));

/** How long the three processes run; PLANTON_SCHEDULER_E2E_SECONDS overrides it (as for PostgreSQL). */
const SECONDS = Number(process.env.PLANTON_SCHEDULER_E2E_SECONDS ?? 30);

const MINUTE = 60_000;
const START = Date.parse('2026-01-01T00:00:00.000Z');

const task = (name: string): ScheduledTaskDefinition => ({
  concurrency: 1, misfire: 'all', name, payload: null, retry: {attempts: 1, backoff: null}, schedule: parseSchedule({schedule: '1m'}), timeout: MINUTE,
});

const selectRows = async (pool: Pool, text: string, values: unknown[] = []) => (await pool.query<RowDataPacket[]>(text, values))[0];

/** What only a real MySQL/MariaDB server shows; the scheduler store kit runs on it in test/testing/mysqlSchedulerStore.test.ts, a black-holed network in mysqlBlackHole.test.ts. */
defineMysqlSchedulerTests('the MySQL scheduler store tests need PLANTON_TEST_MYSQL_URL (the scheduler store kit runs in test/testing)', ({connectionUri, createStore, getPool, usePrefix}) => {
  /** `count` stores on the same tables, each with a pool of its own (connections of their own, as separate processes have). */
  const openStores = async (t: {readonly teardown: (callback: () => Promise<void>) => void}, tablePrefix: string, count: number) => {
    const pools = Array.from({length: count}, () => createPool({connectionLimit: 3, uri: connectionUri}));

    t.teardown(async () => {
      await Promise.all(pools.map(async (pool) => {
        await pool.end();
      }));
    });

    return await Promise.all(pools.map(async (pool) => await createMysqlSchedulerStore({pool, tablePrefix})));
  };

  test('mysql: several processes starting at once on fresh tables apply the migration once, and all of them work', async (t) => {
    const tablePrefix = usePrefix(t);
    const stores = await openStores(t, tablePrefix, 5);
    const pool = await getPool();

    t.deepEqual((await selectRows(pool, `SELECT version, name FROM \`${tablePrefix}scheduler_migration\``)).map((row) => ({...row})), [{name: '0001-scheduler-tables.sql', version: 1}, {name: '0002-job-result.sql', version: 2}, {name: '0003-ended-job-index.sql', version: 3}]);
    t.deepEqual((await selectRows(pool, `SELECT name FROM \`${tablePrefix}scheduler_lock\` ORDER BY name`)).map((row) => row.name), ['claim', 'materialize']);
    await stores[0]?.saveTask({now: START, task: task('report')});
    t.like(await stores[4]?.getTask('report'), {name: 'report', timeout: MINUTE});
    // Started again, or migrated on its own, it finds the version applied and changes nothing.
    await createMysqlSchedulerStore({pool, tablePrefix});
    await applyMysqlSchedulerMigrations({pool, tablePrefix});
    t.is((await selectRows(pool, `SELECT count(*) AS count FROM \`${tablePrefix}scheduler_migration\``))[0]?.count, 3);
  });

  test('mysql: tables made by version 1 upgrade to version 2 (job results) with their jobs, also when a process died after its ALTER, before recording it', async (t) => {
    const tablePrefix = usePrefix(t);
    const pool = await getPool();
    const [first] = await readMigrations({component: 'scheduler', dialect: 'mysql'});

    await applyMysqlMigrations({component: 'scheduler', lockName: `planton:test:${tablePrefix}`, migrations: first === undefined ? [] : [first], pool, table: 'scheduler_migration', tablePrefix});

    const before = await createMysqlSchedulerStore({migrate: false, pool, tablePrefix});

    await before.saveTask({now: START, task: task('upgraded')});

    // A job written by version 1's code, as its store wrote one-offs: no result column yet.
    const [{insertId: id}] = await pool.query<ResultSetHeader>(
      `INSERT INTO \`${tablePrefix}scheduled_job\` (task_name, kind, scheduled_for, run_at, slot_count, state, created_at) VALUES (?, 'ONE_OFF', ?, ?, 1, 'SCHEDULED', ?)`,
      ['upgraded', START, START, START],
    );
    const [store] = await openStores(t, tablePrefix, 1);
    const [claimed] = await store?.claimJobs({claimUntil: START, limit: 1, now: START, taskNames: ['upgraded'], worker: 'w'}) ?? [];

    t.is(claimed?.id, id);
    t.is(claimed?.result, null);
    t.like((await store?.finishJobs([{attempt: 1, id, now: START + 1, outcome: {result: {rows: [1, 'two']}, state: 'DONE'}}]))?.[0], {result: {rows: [1, 'two']}, state: 'DONE'});

    // A process that died between the ALTERs and the versions' records runs the files again: the column and the index are there, passed over.
    await pool.query(`DELETE FROM \`${tablePrefix}scheduler_migration\` WHERE version >= 2`);
    await applyMysqlSchedulerMigrations({pool, tablePrefix});

    t.deepEqual((await selectRows(pool, `SELECT version, name FROM \`${tablePrefix}scheduler_migration\` ORDER BY version`)).map((row) => ({...row})), [{name: '0001-scheduler-tables.sql', version: 1}, {name: '0002-job-result.sql', version: 2}, {name: '0003-ended-job-index.sql', version: 3}]);
    t.like(await store?.getJob(id), {result: {rows: [1, 'two']}, state: 'DONE'});
  });

  test('mysql: three stores racing to plan the same slots, round after round, create each slot\'s job exactly once', async (t) => {
    const tablePrefix = usePrefix(t);
    const stores = await openStores(t, tablePrefix, 3);

    await stores[0]?.saveTask({now: START, task: task('raced')});

    for (let round = 0; round < 10; round++) {
      // Each round plans the slots round … round + 4 (four of them planned before): nothing tells the stores apart but the unique key and the lock.
      const slots = Array.from({length: 5}, (_, index) => START + (round + index) * MINUTE);

      await Promise.all(stores.map(async (store) => await store.materializeJobs({
        now: START,
        plan: () => ({jobs: slots.map((slot) => ({runAt: slot, scheduledFor: slot, slotCount: 1})), lastSlot: null, nextRunAt: null, skipped: null}),
        taskNames: ['raced'],
        until: START,
      })));
    }

    const rows = await selectRows(await getPool(), `SELECT scheduled_for AS slot, count(*) AS jobs FROM \`${tablePrefix}scheduled_job\` GROUP BY scheduled_for ORDER BY scheduled_for`);

    t.deepEqual(rows.map((row) => Number(row.slot)), Array.from({length: 14}, (_, index) => START + index * MINUTE));
    t.deepEqual(rows.filter((row) => Number(row.jobs) !== 1), []);
  });

  test('mysql: finishJobs ends a batch in one go, each job its own outcome; an attempt that is not running, or a recovery before the lease ended, is null in its place', async (t) => {
    const {cleanup, store} = await createStore();

    t.teardown(async () => {
      await cleanup?.();
    });

    await store.saveTask({now: START, task: {...task('batch'), concurrency: 10}});
    await store.materializeJobs({
      now: START,
      plan: () => ({jobs: [0, 1, 2, 3].map((index) => ({runAt: START + index, scheduledFor: START + index, slotCount: 1})), lastSlot: START + 3, nextRunAt: null, skipped: null}),
      taskNames: ['batch'],
      until: START,
    });

    const claimed = await store.claimJobs({claimUntil: START + 3, limit: 10, now: START + 3, taskNames: ['batch'], worker: 'w'});
    const [done, waiting, failed, leased] = claimed.map(({id}) => id);
    const error = {message: 'no'};
    const results = await store.finishJobs([
      {attempt: 1, id: done ?? 0, now: START + 10, outcome: {result: null, state: 'DONE'}},
      {attempt: 1, id: waiting ?? 0, now: START + 11, outcome: {error, runAt: START + MINUTE, state: 'WAITING'}},
      {attempt: 1, id: failed ?? 0, now: START + 12, outcome: {error, state: 'ERROR'}},
      {attempt: 1, id: leased ?? 0, leaseEndedBy: START + 4, now: START + 13, outcome: {result: null, state: 'DONE'}},
      {attempt: 2, id: 0, now: START + 14, outcome: {result: null, state: 'DONE'}},
    ]);

    t.is(claimed.length, 4);
    t.like(results[0], {endedAt: START + 10, error: null, leaseUntil: null, state: 'DONE'});
    t.like(results[1], {endedAt: null, error, leaseUntil: null, runAt: START + MINUTE, state: 'WAITING'});
    t.like(results[2], {endedAt: START + 12, error, state: 'ERROR'});
    t.deepEqual(results.slice(3), [null, null]);
    t.like(await store.getJob(leased ?? 0), {leaseUntil: START + 3 + MINUTE, state: 'RUNNING'});
  });

  test('mysql: task names are compared byte for byte: case and trailing spaces make other tasks', async (t) => {
    const {cleanup, store} = await createStore();

    t.teardown(async () => {
      await cleanup?.();
    });

    for (const name of ['report', 'Report', 'report ', 'rèport']) {
      await store.saveTask({now: START, task: task(name)});
    }

    t.deepEqual((await store.listTasks()).map((found) => found.name).toSorted(), ['Report', 'report', 'report ', 'rèport']);
    t.is((await store.getTask('REPORT')), null);
  });

  test('mysql: a table prefix or database that is not a plain identifier is INVALID_SCHEDULER_CONFIGURATION, before any statement', async (t) => {
    const pool = await getPool();

    await t.throwsAsync(createMysqlSchedulerStore({pool, tablePrefix: 'x`; DROP TABLE y; --'}), {code: 'INVALID_SCHEDULER_CONFIGURATION', message: /`tablePrefix`/u});
    await t.throwsAsync(createMysqlSchedulerStore({pool, tablePrefix: 'p'.repeat(46)}), {code: 'INVALID_SCHEDULER_CONFIGURATION'});
    await t.throwsAsync(createMysqlSchedulerStore({database: 'a.b', pool}), {code: 'INVALID_SCHEDULER_CONFIGURATION', message: /`database`/u});
    await t.throwsAsync(createMysqlSchedulerStore({pool, queryTimeout: 0}), {code: 'INVALID_SCHEDULER_CONFIGURATION', message: /`queryTimeout`/u});
    await t.throwsAsync(applyMysqlSchedulerMigrations({pool, tablePrefix: 'x`y'}), {code: 'INVALID_SCHEDULER_CONFIGURATION', message: /`tablePrefix`/u});
  });

  test('mysql: a server that refuses connections is server_unreachable with the driver\'s error as cause, promptly, at start and on every operation', async (t) => {
    const pool = createPool({connectionLimit: 1, uri: `mysql://root@127.0.0.1:${await findFreePort()}/test`});

    t.teardown(async () => {
      await pool.end();
    });

    const startedAt = Date.now();
    const error = await t.throwsAsync(createMysqlSchedulerStore({pool}), {code: 'server_unreachable'});

    t.like(error?.cause, {code: 'ECONNREFUSED'});

    const store = await createMysqlSchedulerStore({migrate: false, pool});

    await t.throwsAsync(store.getTask('report'), {code: 'server_unreachable'});
    await t.throwsAsync(store.claimJobs({claimUntil: START, limit: 1, now: START, taskNames: ['report'], worker: 'w'}), {code: 'server_unreachable'});
    await t.throwsAsync(store.saveTask({now: START, task: task('report')}), {code: 'server_unreachable'});
    t.true(Date.now() - startedAt < 20_000, 'within seconds, not a connect timeout per call');
  });

  test('mysql: a server that refuses the login or has no such database is server_unreachable, the server\'s error as cause', async (t) => {
    const refused = new URL(connectionUri);
    const missing = new URL(connectionUri);

    refused.username = 'planton_no_such_user';
    missing.pathname = `/planton_no_such_database_${Date.now()}`;

    for (const [uri, code] of [[refused.href, 'ER_ACCESS_DENIED_ERROR'], [missing.href, 'ER_BAD_DB_ERROR']] as const) {
      const pool = createPool({connectionLimit: 1, uri});

      t.teardown(async () => {
        await pool.end();
      });

      const error = await t.throwsAsync(createMysqlSchedulerStore({pool}), {code: 'server_unreachable'}, code);

      t.like(error?.cause, {code});
    }
  });

  test('mysql: with `database`, the tables live in that database (created if missing), whatever the pool\'s current one', async (t) => {
    const pool = await getPool();
    const database = `planton_t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

    t.teardown(async () => {
      await pool.query(`DROP DATABASE IF EXISTS \`${database}\``);
    });

    const store = await createMysqlSchedulerStore({database, pool, tablePrefix: ''});

    await store.saveTask({now: START, task: task('report')});
    t.like(await store.getTask('report'), {name: 'report'});
    t.deepEqual((await selectRows(pool, 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name', [database])).map((row) => row.name), [
      'scheduled_job', 'scheduled_job_log', 'scheduled_task', 'scheduler_lock', 'scheduler_migration',
    ]);
  });

  for (const [what, lockedRow] of [['a claim waiting for the claim lock', 'scheduler_lock'], ['a save waiting for the task\'s row', 'scheduled_task']] as const) {
    test(`mysql: ${what} held by another session past queryTimeout fails, its wait ends on the server too (innodb_lock_wait_timeout), and its connection serves again`, async (t) => {
      const tablePrefix = usePrefix(t);
      const [store] = await openStores(t, tablePrefix, 1);
      const pool = await getPool();
      const own = createPool({connectionLimit: 1, uri: connectionUri});

      t.teardown(async () => {
        await own.end();
      });

      await store?.saveTask({now: START, task: task('report')});

      // One connection: once the store's statement stopped waiting on the server (after 1 s, not the server's default 50 s), it serves the next operation.
      const bounded = await createMysqlSchedulerStore({migrate: false, pool: own, queryTimeout: 1_000, tablePrefix});
      // Another session locks the row and keeps it, as an instance cut off mid-transaction would.
      const holder = await pool.getConnection();

      await holder.query('START TRANSACTION');
      await holder.query(lockedRow === 'scheduler_lock' ? `SELECT name FROM \`${tablePrefix}scheduler_lock\` WHERE name = 'claim' FOR UPDATE` : `SELECT name FROM \`${tablePrefix}scheduled_task\` FOR UPDATE`);

      try {
        const pending = lockedRow === 'scheduler_lock' ?
          bounded.claimJobs({claimUntil: START, limit: 10, now: START, taskNames: ['report'], worker: 'test'}) :
          bounded.saveTask({now: START, task: {...task('report'), timeout: 2 * MINUTE}});
        const error = await t.throwsAsync(pending);

        t.true(['server_unreachable', 'ER_LOCK_WAIT_TIMEOUT'].includes(String((error as {code?: unknown} | undefined)?.code)), String(error?.message));
        // The pool's one connection serves again while the lock is still held: its statement stopped
        // waiting on the server (not seen in information_schema.innodb_trx, a cache that other
        // sessions polling it keep from refreshing).
        t.like(await withDeadline(bounded.getTask('report'), 'the store\'s connection to serve again while the lock is held', 20_000), {timeout: MINUTE});
      } finally {
        await holder.query('ROLLBACK');
        holder.release();
      }
    });
  }

  test(`mysql: three scheduler processes on one database, ${SECONDS} s of an every-second cron and a 1 s interval: every slot has exactly one job, none missing`, async (t) => {
    t.timeout(SECONDS * 1_000 + 60_000);

    const pool = await getPool();
    const tablePrefix = usePrefix(t);

    // The tables exist before the processes start, so they begin on equal terms.
    await createMysqlSchedulerStore({pool, tablePrefix});

    await runSchedulerProcesses(t, {
      environment: {MYSQL_URL: connectionUri, TABLE_PREFIX: tablePrefix},
      listJobs: async () => (await selectRows(pool, `
        SELECT CONVERT(task_name USING utf8mb4) AS taskName, scheduled_for AS scheduledFor, slot_count AS slotCount, state, attempt, worker
        FROM \`${tablePrefix}scheduled_job\` ORDER BY task_name, scheduled_for
      `)).map((row) => ({attempt: Number(row.attempt), scheduledFor: Number(row.scheduledFor), slotCount: Number(row.slotCount), state: String(row.state), taskName: String(row.taskName), worker: row.worker as string | null})),
      seconds: SECONDS,
      worker: WORKER,
    });
  });
});
