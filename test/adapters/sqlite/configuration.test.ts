/**
 * Opening the SQLite store: its options, a file it cannot open (STORE_UNREACHABLE with the
 * driver's error as cause), migrations applied once when several processes start at once, table
 * prefixes side by side.
 */
import test from 'ava';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {DatabaseSync} from 'node:sqlite';
import {fileURLToPath} from 'node:url';
import {applySqliteMigrations} from '../../../src/adapters/sqlite/applySqliteMigrations.ts';
import {createSqliteStore} from '../../../src/adapters/sqlite/createSqliteStore.ts';
import type {SqliteStoreConfiguration} from '../../../src/adapters/sqlite/types.ts';
import {spawnFixture} from '../../helpers/spawnFixture.ts';
import {withDeadline} from '../../helpers/withDeadline.ts';
import {createTemporaryDatabase} from './helpers/temporaryDatabase.ts';

type MigratorMessage = {readonly type: 'ready' | 'started'} | {readonly error: string; readonly type: 'failed'};

test('a file in a directory that does not exist rejects with STORE_UNREACHABLE and the driver\'s error as cause', async (t) => {
  const {directory} = createTemporaryDatabase(t);
  const error = await t.throwsAsync(createSqliteStore({filename: path.join(directory, 'missing', 'planton.db')}));

  t.like(error, {code: 'STORE_UNREACHABLE'});
  t.like(error?.cause, {code: 'ERR_SQLITE_ERROR', errstr: 'unable to open database file'});
});

test('a file that is not a database rejects with STORE_UNREACHABLE', async (t) => {
  const {filename} = createTemporaryDatabase(t);

  writeFileSync(filename, 'this is not a database, this is a text file of more than a hundred bytes, which SQLite reads as a header.');

  const error = await t.throwsAsync(createSqliteStore({filename}));

  t.like(error, {code: 'STORE_UNREACHABLE'});
  t.like(error?.cause, {code: 'ERR_SQLITE_ERROR'});
});

test('invalid options throw INVALID_STORE_CONFIGURATION naming the option', async (t) => {
  const {filename} = createTemporaryDatabase(t);
  const database = new DatabaseSync(':memory:');

  t.teardown(() => {
    database.close();
  });

  const cases: ReadonlyArray<readonly [unknown, string]> = [
    [{}, 'database'],
    [{database, filename}, 'database'],
    [{database: {}}, 'database'],
    [{filename: ''}, 'filename'],
    [{filename, tablePrefix: 'x"; DROP TABLE y; --'}, 'tablePrefix'],
    [{filename, tablePrefix: ''}, 'tablePrefix'],
    [{filename, pollInterval: -1}, 'pollInterval'],
    [{busyTimeout: 1.5, filename}, 'busyTimeout'],
    [{filename, heartbeatInterval: 0}, 'heartbeatInterval'],
    [{filename, reaperInterval: Number.NaN}, 'reaperInterval'],
    [{filename, hostname: ''}, 'hostname'],
  ];

  for (const [configuration, option] of cases) {
    await t.throwsAsync(createSqliteStore(configuration as SqliteStoreConfiguration), {code: 'INVALID_STORE_CONFIGURATION'}, JSON.stringify(configuration));
    t.like(await createSqliteStore(configuration as SqliteStoreConfiguration).catch((error: unknown) => error), {option});
  }
});

test('a connection the user gives is used and left open; WAL is switched on', async (t) => {
  const {filename} = createTemporaryDatabase(t);
  const database = new DatabaseSync(filename, {timeout: 5_000});

  t.teardown(() => {
    database.close();
  });

  const store = await createSqliteStore({database, pollInterval: 0, reaperInterval: 0, tablePrefix: 'mine_'});

  await store.registerTask({name: 'given'});
  await store.terminate();
  t.true(database.isOpen);
  t.is(database.prepare('PRAGMA journal_mode').get()?.journal_mode, 'wal');
  t.is(database.prepare('SELECT nid FROM mine_maintenance_task').get()?.nid, 'given');
});

test('stores with different table prefixes share one file without seeing each other\'s tasks', async (t) => {
  const {filename} = createTemporaryDatabase(t);
  const first = await createSqliteStore({filename, pollInterval: 0, reaperInterval: 0, tablePrefix: 'a_'});
  const second = await createSqliteStore({filename, pollInterval: 0, reaperInterval: 0, tablePrefix: 'b_'});

  t.teardown(async () => {
    await first.terminate();
    await second.terminate();
  });

  await first.claimExecutions({claim: () => ['x'], limit: 1, taskName: 'task'});
  t.deepEqual(await first.getActiveTaskInstructions('task', {signal: new AbortController().signal}), ['x']);
  t.deepEqual(await second.getActiveTaskInstructions('task', {signal: new AbortController().signal}), []);
});

test('four processes starting at once on a new file apply each migration once', async (t) => {
  const {filename} = createTemporaryDatabase(t);
  const script = fileURLToPath(new URL('fixtures/migrator.ts', import.meta.url));
  const fixtures = Array.from({length: 4}, () => spawnFixture<MigratorMessage>(script, {FILENAME: filename}));

  t.teardown(() => {
    for (const fixture of fixtures) {
      fixture.child.kill();
    }
  });

  await Promise.all(fixtures.map(async (fixture) => await withDeadline(fixture.waitFor((message): message is MigratorMessage => message.type === 'ready'), 'the fixture is ready')));

  for (const fixture of fixtures) {
    fixture.child.send('start');
  }

  const results = await Promise.all(fixtures.map(async (fixture) => await withDeadline(fixture.waitFor((message): message is MigratorMessage => message.type !== 'ready'), 'the fixture started its store')));

  t.deepEqual(results, fixtures.map(() => ({type: 'started'})));

  const database = new DatabaseSync(filename);

  t.teardown(() => {
    database.close();
  });
  t.deepEqual(database.prepare('SELECT version, name FROM planton_migration').all().map((row) => ({...row})), [{name: '0001-schema.sql', version: 1}, {name: '0002-execution-summary-indexes.sql', version: 2}]);
});

test('a migration applied whose file changed since stops the start (MIGRATION_CHECKSUM_MISMATCH); a failing one rolls back (MIGRATION_FAILED)', async (t) => {
  const database = new DatabaseSync(':memory:');

  t.teardown(() => {
    database.close();
  });

  const component = {name: 'test', table: 'migration'};
  const first = {checksum: 'a', file: '0001-first.sql', text: 'CREATE TABLE {{prefix}}thing (id integer)', version: 1};

  await applySqliteMigrations({component, database, migrations: [first], tablePrefix: 'p_'});
  await t.throwsAsync(applySqliteMigrations({component, database, migrations: [{...first, checksum: 'b'}], tablePrefix: 'p_'}), {code: 'MIGRATION_CHECKSUM_MISMATCH'});
  await t.throwsAsync(applySqliteMigrations({component, database, migrations: [first, {checksum: 'c', file: '0002-bad.sql', text: 'CREATE TABLE {{prefix}}other (id integer); NOT SQL', version: 2}], tablePrefix: 'p_'}), {code: 'MIGRATION_FAILED'});
  t.is(database.prepare('SELECT count(*) AS count FROM sqlite_master WHERE name = \'p_other\'').get()?.count, 0);
  t.deepEqual(database.prepare('SELECT version FROM p_migration').all().map((row) => row.version), [1]);
  await t.throwsAsync(applySqliteMigrations({component, database, migrations: [first], tablePrefix: 'p"'}), {code: 'INVALID_STORE_CONFIGURATION'});
});
