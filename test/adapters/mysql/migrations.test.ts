/**
 * The MySQL migrations: several stores starting at once on a fresh database apply them once
 * (GET_LOCK); a table prefix keeps two stores of one database apart; an interrupted migration runs
 * again; a changed file is refused.
 */
import test from 'ava';
import type {RowDataPacket} from 'mysql2/promise';
import {applyMysqlMigrations, renderMysqlMigration} from '../../../src/adapters/mysql/applyMysqlMigrations.ts';
import {splitMysqlStatements} from '../../../src/adapters/mysql/splitMysqlStatements.ts';
import {readMigrations} from '../../../src/adapters/migrations/readMigrations.ts';
import {createMysqlName, createTestPool} from '../../helpers/mysql.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {countExecutions} from './helpers/items.ts';
import {setUpMysqlStore} from './helpers/setUpMysqlStore.ts';

const listTables = async (pool: ReturnType<typeof createTestPool>, database: string) => {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name', [database]);

  return rows.map((row) => String(row.name));
};

test('renderMysqlMigration qualifies {{name}} with the database and prefix, quoted', (t) => {
  t.is(renderMysqlMigration('CREATE TABLE {{task}} (id INT);', {database: 'db', tablePrefix: 'p_'}), 'CREATE TABLE `db`.`p_task` (id INT);');
  t.is(renderMysqlMigration('SELECT * FROM {{task}}', {database: null, tablePrefix: ''}), 'SELECT * FROM `task`');
});

test('splitMysqlStatements splits at a `;` ending a line and drops whole-line comments', (t) => {
  t.deepEqual(splitMysqlStatements('-- a comment; with a semicolon\nCREATE TABLE a (\n  x INT -- not the end\n);\n\nALTER TABLE a ADD y INT;\nSELECT 1'), [
    'CREATE TABLE a (\n  x INT -- not the end\n)',
    'ALTER TABLE a ADD y INT',
    'SELECT 1',
  ]);
});

requireEnvironment({skipTitle: 'mysql: the migration tests need PLANTON_TEST_MYSQL_URL', variable: 'PLANTON_TEST_MYSQL_URL'}, (url) => {
  const pool = createTestPool(url, 12);

  test('stores starting at once on a fresh database apply the migrations once', async (t) => {
    const {createStore, database} = setUpMysqlStore(t, pool);
    const stores = await Promise.all(Array.from({length: 4}, async () => await createStore()));

    t.is(stores.length, 4);
    t.deepEqual(await listTables(pool, database), ['planton_maintenance_task', 'planton_maintenance_task_claim_lock', 'planton_maintenance_task_execution', 'planton_maintenance_task_instruction_retry', 'planton_store_migration']);

    const [rows] = await pool.query<RowDataPacket[]>(`SELECT version, name FROM \`${database}\`.planton_store_migration`);

    t.deepEqual(rows.map((row) => [Number(row.version), String(row.name)]), [[1, '0001-store-tables.sql'], [2, '0002-fewer-execution-indexes.sql'], [3, '0003-task-claim-lock.sql']]);
  });

  test('two prefixes keep two stores of one database apart', async (t) => {
    const {createStore, database} = setUpMysqlStore(t, pool);
    const first = await createStore({tablePrefix: 'one_'});
    const second = await createStore({tablePrefix: ''});

    t.is(first.tablePrefix, 'one_');
    t.is(second.database, database);
    await first.claimExecutions({claim: () => [1, 2], limit: 2, taskName: 'items'});
    t.deepEqual(await second.claimExecutions({claim: () => [1, 2], limit: 2, taskName: 'items'}).then((executions) => executions.map(({instruction}) => instruction)), [1, 2]);
    t.deepEqual(await countExecutions(pool, database, 'one_'), {RUNNING: 2});
    t.deepEqual(await countExecutions(pool, database, ''), {RUNNING: 2});
  });

  test('a migration interrupted half-way runs again; a changed file is refused', async (t) => {
    const database = createMysqlName();
    const [migration] = await readMigrations({component: 'store', dialect: 'mysql'});

    t.teardown(async () => {
      await pool.query(`DROP DATABASE IF EXISTS \`${database}\``);
    });

    if (migration === undefined) {
      throw new Error('expected a migration');
    }

    // The first table exists, as if the process died right after the file's first statement.
    const [first] = splitMysqlStatements(renderMysqlMigration(migration.text, {database, tablePrefix: 'p_'}));

    await pool.query(`CREATE DATABASE \`${database}\``);
    await pool.query(first ?? '');

    const configuration = {component: 'store', database, lockName: `planton:test:${database}`, pool, table: 'store_migration', tablePrefix: 'p_'};

    await applyMysqlMigrations({...configuration, migrations: [migration]});
    t.is((await listTables(pool, database)).length, 4);

    // Version 2's column exists, as if the process died after its ALTER, before recording it: passed over.
    await pool.query(`ALTER TABLE \`${database}\`.p_maintenance_task ADD COLUMN extra INT`);
    await applyMysqlMigrations({...configuration, migrations: [migration, {checksum: 'two', file: '0002-extra.sql', text: 'ALTER TABLE {{maintenance_task}} ADD COLUMN extra INT;', version: 2}]});

    const [versions] = await pool.query<RowDataPacket[]>(`SELECT version FROM \`${database}\`.p_store_migration ORDER BY version`);

    t.deepEqual(versions.map((row) => Number(row.version)), [1, 2]);

    await t.throwsAsync(applyMysqlMigrations({...configuration, migrations: [{...migration, checksum: 'changed', text: `${migration.text}\n-- edited`}]}), {code: 'MIGRATION_CHECKSUM_MISMATCH'});
    await t.throwsAsync(applyMysqlMigrations({...configuration, migrations: [migration, {checksum: 'two', file: '0002-extra.sql', text: '', version: 2}, {checksum: 'x', file: '0003-broken.sql', text: 'CREATE TABLE {{broken}} (;', version: 3}]}), {code: 'MIGRATION_FAILED'});
  });

  test('a database made by version 1 upgrades, also when version 2 was interrupted half-way', async (t) => {
    const database = createMysqlName();
    const migrations = await readMigrations({component: 'store', dialect: 'mysql'});
    const [first] = migrations;

    t.teardown(async () => {
      await pool.query(`DROP DATABASE IF EXISTS \`${database}\``);
    });

    if (first === undefined) {
      throw new Error('expected a migration');
    }

    const configuration = {component: 'store', database, lockName: `planton:test:${database}`, pool, table: 'store_migration', tablePrefix: 'p_'};

    await applyMysqlMigrations({...configuration, migrations: [first]});
    await pool.query(`INSERT INTO \`${database}\`.p_maintenance_task (nid) VALUES ('items')`);
    await pool.query(`INSERT INTO \`${database}\`.p_maintenance_task_execution (maintenance_task_id, instruction, instruction_hash, hostname, started_at, last_seen_at) VALUES (1, '1', UNHEX(SHA2('1', 256)), 'h', 1, 1)`);
    // Version 2's first statement ran, as if the process died right after it.
    await pool.query(`ALTER TABLE \`${database}\`.p_maintenance_task_execution DROP INDEX claim_token_key`);
    await applyMysqlMigrations(configuration);

    const [versions] = await pool.query<RowDataPacket[]>(`SELECT version FROM \`${database}\`.p_store_migration ORDER BY version`);
    const [indexes] = await pool.query<RowDataPacket[]>('SELECT DISTINCT index_name AS name FROM information_schema.statistics WHERE table_schema = ? AND table_name = ? ORDER BY index_name', [database, 'p_maintenance_task_execution']);
    const [running] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS count FROM \`${database}\`.p_maintenance_task_execution WHERE maintenance_task_id = 1 AND active_instruction_hash IS NOT NULL`);

    t.deepEqual(versions.map((row) => Number(row.version)), [1, 2, 3]);
    t.deepEqual(indexes.map((row) => String(row.name)), ['active_instruction_key', 'PRIMARY']);
    t.is(Number(running[0]?.count), 1);
  });
});
