/**
 * What is SQLite's own in the scheduler store: several connections and processes on one file (one job
 * per slot, the migration race, the write lock), a file that cannot be opened, the table prefix.
 * The contract itself is the conformance kit's, run in test/testing/sqliteSchedulerStore.test.ts.
 */
import {mkdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {DatabaseSync} from 'node:sqlite';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {readMigrations} from '../../src/adapters/migrations/readMigrations.ts';
import {applySqliteMigrations} from '../../src/adapters/sqlite/applySqliteMigrations.ts';
import {SQLITE_SCHEDULER_MIGRATIONS} from '../../src/scheduler/sqlite/applySqliteSchedulerMigrations.ts';
import {createScheduler, createSqliteSchedulerStore, type JobRecord, parseSchedule, type Scheduler, type SqliteSchedulerStore} from '../../src/scheduler/index.ts';
import {createManualClock} from '../helpers/createManualClock.ts';
import {spawnFixture} from '../helpers/spawnFixture.ts';
import {until} from '../helpers/until.ts';
import type {SqliteSchedulerWorkerMessage} from './fixtures/sqliteSchedulerWorker.ts';
import {checkProcessSlots} from './helpers/checkProcessSlots.ts';
import {createSqliteDirectory} from './helpers/sqliteStores.ts';

const WORKER = fileURLToPath(new URL('fixtures/sqliteSchedulerWorker.ts', import.meta.url));

/** How long the three processes run; PLANTON_SCHEDULER_E2E_SECONDS overrides it. */
const SECONDS = Number(process.env.PLANTON_SCHEDULER_E2E_SECONDS ?? 10);

const MINUTE = 60_000;
const START = Date.parse('2026-01-01T00:00:00.000Z');

type Teardown = {readonly teardown: (callback: () => Promise<void> | void) => void};

/** A fresh file removed after the test, and stores on it (each its own connection) closed before that. */
const useFile = async (t: Teardown) => {
  const directory = await createSqliteDirectory();
  const stores: SqliteSchedulerStore[] = [];

  t.teardown(async () => {
    await Promise.all(stores.map(async (store) => {
      await store.close();
    }));
    await directory.remove();
  });

  return {
    ...directory,
    open: async (configuration: {readonly busyTimeout?: number; readonly tablePrefix?: string} = {}) => {
      const store = await createSqliteSchedulerStore({...configuration, filename: directory.filename});

      stores.push(store);

      return store;
    },
  };
};

/** Reads the file as a third party would. */
const inspect = <Row>(filename: string, text: string): Row[] => {
  const database = new DatabaseSync(filename, {readOnly: true});

  try {
    return database.prepare(text).all() as Row[];
  } finally {
    database.close();
  }
};

const REPORT_TASK = {concurrency: 1, misfire: 'once', name: 'report', payload: null, retry: {attempts: 1, backoff: null}, schedule: parseSchedule({schedule: '1h'}), timeout: MINUTE} as const;

test('sqlite: three scheduler instances, each on its own connection to one file, create exactly one job per slot and run each once', async (t) => {
  const file = await useFile(t);
  const clock = createManualClock(START);
  const schedulers: Scheduler[] = [];
  const ran: Array<{readonly name: string; readonly slot: number}> = [];

  t.teardown(async () => {
    await Promise.all(schedulers.map(async (scheduler) => {
      await scheduler.terminate();
    }));
  });

  for (let index = 0; index < 3; index++) {
    const scheduler = await createScheduler({clock, store: await file.open(), syncInterval: 0, terminateTimeout: 0});

    schedulers.push(scheduler);

    for (const [name, schedule] of [['cron', '*/10 * * * * *'], ['interval', '10s']] as const) {
      await scheduler.schedule({name, schedule, timeout: 5_000});
      scheduler.addProcessor(name, async (job) => {
        ran.push({name, slot: job.scheduledFor.getTime()});
      });
    }
  }

  for (let slot = 1; slot <= 6; slot++) {
    await clock.advance(10_000);
    await until(() => ran.length === 2 * slot);
  }

  await clock.advance(1_000);

  const rows = inspect<{readonly attempt: number; readonly scheduled_for: number; readonly state: string; readonly task_name: string}>(
    file.filename,
    `SELECT task_name, scheduled_for, state, attempt FROM planton_scheduled_job WHERE scheduled_for <= ${START + 60_000} ORDER BY task_name, scheduled_for`,
  );
  const slots = Array.from({length: 6}, (_, index) => START + (index + 1) * 10_000);

  for (const name of ['cron', 'interval']) {
    t.deepEqual(ran.filter((entry) => entry.name === name).map((entry) => entry.slot).toSorted((a, b) => a - b), slots, `${name}: each slot ran once`);
    t.deepEqual(rows.filter((row) => row.task_name === name && row.scheduled_for > START).map((row) => [row.scheduled_for, row.state, row.attempt]), slots.map((slot) => [slot, 'DONE', 1]), `${name}: one job per slot`);
  }
});

test(`sqlite: three scheduler processes on one file, ${SECONDS} s of an every-second cron and a 1 s interval: every slot has exactly one job, none missing`, async (t) => {
  t.timeout(SECONDS * 1_000 + 120_000);

  const file = await useFile(t);
  const workers = Array.from({length: 3}, () => spawnFixture<SqliteSchedulerWorkerMessage>(WORKER, {FILENAME: file.filename, SCHEDULE: '1'}));

  t.teardown(() => {
    for (const {child} of workers) {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
      }
    }
  });

  const isType = <Type extends SqliteSchedulerWorkerMessage['type']>(type: Type) => (message: SqliteSchedulerWorkerMessage): message is Extract<SqliteSchedulerWorkerMessage, {readonly type: Type}> => message.type === type;

  await Promise.all(workers.map(async (worker) => await worker.waitFor(isType('ready'))));

  for (const {child} of workers) {
    child.send({type: 'go'});
  }

  const opened = await Promise.all(workers.map(async (worker) => await worker.waitFor((message): message is SqliteSchedulerWorkerMessage => message.type === 'opened' || message.type === 'failed')));

  t.deepEqual(opened.map((message) => message.type), ['opened', 'opened', 'opened']);

  const startedAt = Date.now();

  await new Promise((resolve) => {
    setTimeout(resolve, SECONDS * 1_000);
  });

  const stoppedAt = Date.now();

  for (const {child} of workers) {
    child.send({type: 'stop'});
  }

  const reports = await Promise.all(workers.map(async (worker) => await worker.waitFor(isType('stopped'))));
  const jobs = inspect<{readonly attempt: number; readonly scheduledFor: number; readonly slotCount: number; readonly state: string; readonly taskName: string; readonly worker: string | null}>(
    file.filename,
    'SELECT task_name AS taskName, scheduled_for AS scheduledFor, slot_count AS slotCount, state, attempt, worker FROM planton_scheduled_job ORDER BY task_name, scheduled_for',
  );

  checkProcessSlots(t, {jobs, reports, seconds: SECONDS, startedAt, stoppedAt});
});

test('sqlite: six processes opening a fresh file at once all start, and the migration is applied once', async (t) => {
  t.timeout(180_000);

  const file = await useFile(t);
  const workers = Array.from({length: 6}, () => spawnFixture<SqliteSchedulerWorkerMessage>(WORKER, {FILENAME: file.filename}));

  t.teardown(() => {
    for (const {child} of workers) {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
      }
    }
  });

  await Promise.all(workers.map(async (worker) => await worker.waitFor((message): message is SqliteSchedulerWorkerMessage => message.type === 'ready')));

  // All loaded: told at once, they open the file and migrate it together.
  for (const {child} of workers) {
    child.send({type: 'go'});
  }

  const outcomes = await Promise.all(workers.map(async (worker) => await worker.waitFor((message): message is SqliteSchedulerWorkerMessage => message.type === 'opened' || message.type === 'failed')));

  t.deepEqual(outcomes, workers.map(() => ({type: 'opened'})));
  t.deepEqual(inspect<{readonly name: string; readonly version: number}>(file.filename, 'SELECT version, name FROM planton_scheduler_migration').map((row) => ({...row})), [{name: '0001-scheduler-tables.sql', version: 1}, {name: '0002-job-result.sql', version: 2}, {name: '0003-ended-job-index.sql', version: 3}]);

  for (const {child} of workers) {
    child.send({type: 'stop'});
  }

  // The schema they made works: a store opened after them uses it.
  const store = await file.open();

  t.like(await store.saveTask({now: START, task: REPORT_TASK}), {name: 'report', paused: false});
});

test('sqlite: a file made by version 1 upgrades to version 2 (job results) with its jobs', async (t) => {
  const file = await useFile(t);
  const [first] = await readMigrations({component: 'scheduler', dialect: 'sqlite'});
  const old = new DatabaseSync(file.filename);

  try {
    await applySqliteMigrations({component: SQLITE_SCHEDULER_MIGRATIONS, database: old, migrations: first === undefined ? [] : [first], tablePrefix: 'planton_'});
    // A task and a one-off job written by version 1's code: no result column yet.
    old.prepare(`INSERT INTO planton_scheduled_task (name, schedule, timeout_ms, concurrency, misfire, retry, created_at, updated_at)
      VALUES ('upgraded', '{"kind":"INTERVAL","every":3600000}', 60000, 1, 'once', '{"attempts":1,"backoff":null}', ?, ?)`).run(START, START);
    old.prepare(`INSERT INTO planton_scheduled_job (task_name, kind, scheduled_for, run_at, slot_count, state, created_at)
      VALUES ('upgraded', 'ONE_OFF', ?, ?, 1, 'SCHEDULED', ?)`).run(START, START, START);
  } finally {
    old.close();
  }

  const store = await file.open();
  const [claimed] = await store.claimJobs({claimUntil: START, limit: 1, now: START, taskNames: ['upgraded'], worker: 'w'});

  t.like(claimed, {result: null, state: 'RUNNING', taskName: 'upgraded'});
  t.like((await store.finishJobs([{attempt: 1, id: claimed?.id ?? 0, now: START + 1, outcome: {result: {rows: [1, 'two']}, state: 'DONE'}}]))[0], {result: {rows: [1, 'two']}, state: 'DONE'});
  t.like(await store.getJob(claimed?.id ?? 0), {result: {rows: [1, 'two']}, state: 'DONE'});
  t.deepEqual(inspect<{readonly name: string; readonly version: number}>(file.filename, 'SELECT version, name FROM planton_scheduler_migration ORDER BY version').map((row) => ({...row})), [{name: '0001-scheduler-tables.sql', version: 1}, {name: '0002-job-result.sql', version: 2}, {name: '0003-ended-job-index.sql', version: 3}]);
});

test('sqlite: a file that cannot be opened rejects with server_unreachable and the driver\'s error as cause', async (t) => {
  const file = await useFile(t);
  const notADatabase = path.join(file.directory, 'not-a-database.db');

  await writeFile(notADatabase, 'This is a text file, not a SQLite database, and it is long enough to have a header.\n'.repeat(20));
  await mkdir(path.join(file.directory, 'a-directory'));

  const missing = await t.throwsAsync(createSqliteSchedulerStore({filename: path.join(file.directory, 'missing', 'planton.db')}));

  t.like(missing, {cause: {code: 'ERR_SQLITE_ERROR', errcode: 14}, code: 'server_unreachable'});
  t.like(await t.throwsAsync(createSqliteSchedulerStore({filename: notADatabase})), {cause: {code: 'ERR_SQLITE_ERROR', errcode: 26}, code: 'server_unreachable'});
  t.like(await t.throwsAsync(createSqliteSchedulerStore({filename: path.join(file.directory, 'a-directory')})), {code: 'server_unreachable'});
});

test('sqlite: a store closed, or a write that waits for another connection\'s write lock past busyTimeout, rejects with server_unreachable; reads go on meanwhile', async (t) => {
  const file = await useFile(t);
  const store = await file.open({busyTimeout: 50});

  await store.saveTask({now: START, task: REPORT_TASK});

  // Another connection (another process, as far as SQLite knows) holds the write lock.
  const holder = new DatabaseSync(file.filename);

  t.teardown(() => {
    holder.close();
  });
  holder.exec('BEGIN IMMEDIATE');

  const locked = await t.throwsAsync(store.createJob({now: START, runAt: START, taskName: 'report'}));

  t.like(locked, {cause: {code: 'ERR_SQLITE_ERROR', errcode: 5}, code: 'server_unreachable'});
  t.like(await store.getTask('report'), {name: 'report'});

  holder.exec('COMMIT');
  t.like(await store.createJob({now: START, runAt: START, taskName: 'report'}), {kind: 'ONE_OFF', state: 'SCHEDULED'});

  await store.close();
  t.like(await t.throwsAsync(store.getJob(1)), {cause: {code: 'ERR_INVALID_STATE'}, code: 'server_unreachable'});
  t.like(await t.throwsAsync(store.claimJobs({claimUntil: START, limit: 1, now: START, taskNames: ['report'], worker: 'closed'})), {code: 'server_unreachable'});
});

test('sqlite: stores with different table prefixes share one file without seeing each other, and a database given stays open after close()', async (t) => {
  const file = await useFile(t);
  const database = new DatabaseSync(file.filename);

  t.teardown(() => {
    database.close();
  });

  const first = await file.open();
  const second = await createSqliteSchedulerStore({database, tablePrefix: 'other_'});

  await first.saveTask({now: START, task: REPORT_TASK});
  await first.createJob({now: START, runAt: START, taskName: 'report'});

  t.deepEqual(await second.listTasks(), []);
  t.deepEqual(await second.listJobs({limit: 10}), []);
  t.is(await second.createJob({now: START, runAt: START, taskName: 'report'}), null);
  t.is((await first.listJobs({limit: 10})).length, 1);

  await second.close();
  t.true(database.isOpen);
  t.deepEqual(inspect<{readonly name: string}>(file.filename, `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'other\\_%' ESCAPE '\\' ORDER BY name`).map((row) => row.name), [
    'other_scheduled_job',
    'other_scheduled_job_log',
    'other_scheduled_task',
    'other_scheduler_migration',
  ]);
});

test('sqlite: hostile task names and payloads are only ever values', async (t) => {
  const file = await useFile(t);
  const store = await file.open();
  const name = `x'); DROP TABLE planton_scheduled_job; --"\``;
  const payload = {sql: `'; DELETE FROM planton_scheduled_task; --`, text: 'é\u0000ü'};

  await store.saveTask({now: START, task: {...REPORT_TASK, name, payload}});

  const job = await store.createJob({now: START, runAt: START, taskName: name}) as JobRecord;
  const [claimed] = await store.claimJobs({claimUntil: START, limit: 5, now: START, taskNames: [name, `' OR 1=1 --`], worker: `"; --`});

  t.like(claimed, {id: job.id, payload, taskName: name, worker: `"; --`});
  t.like(await store.countJobs({taskName: name}), {[name]: {RUNNING: 1}});
  t.deepEqual((await store.listTasks()).map((task) => task.name), [name]);
});

test('sqlite: a configuration that cannot work is refused with INVALID_SCHEDULER_CONFIGURATION before anything is opened', async (t) => {
  const database = new DatabaseSync(':memory:');

  t.teardown(() => {
    database.close();
  });

  for (const [configuration, option] of [
    [{}, 'filename'],
    [{database, filename: 'x.db'}, 'filename'],
    [{filename: ''}, 'filename'],
    [{filename: 'x.db', tablePrefix: `p"; DROP TABLE x; --`}, 'tablePrefix'],
    [{filename: 'x.db', tablePrefix: ''}, 'tablePrefix'],
    [{busyTimeout: -1, filename: 'x.db'}, 'busyTimeout'],
    [{database: {}}, 'database'],
  ] as const) {
    t.like(await t.throwsAsync(createSqliteSchedulerStore(configuration as never)), {code: 'INVALID_SCHEDULER_CONFIGURATION', option});
  }
});
