import {createHash} from 'node:crypto';
import test from 'ava';
import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {readMigrations} from '../../../src/adapters/migrations/readMigrations.ts';
import type {Migration} from '../../../src/adapters/migrations/types.ts';
import {applyMigrations} from '../../../src/adapters/postgres/applyMigrations.ts';
import {applyPostgresMigrations} from '../../../src/adapters/postgres/applyPostgresMigrations.ts';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import {applySchedulerMigrations, createPostgresSchedulerStore} from '../../../src/scheduler/index.ts';
import {applyLegacySchedulerTables} from '../../scheduler/fixtures/applyLegacySchedulerTables.ts';
import {type Backend, useBackends, useFreshSchema} from '../../helpers/postgres.ts';
import {describeSchema} from './helpers/describeSchema.ts';

const backends = useBackends();

const empty = z.object({});

/** The checksums databases recorded for the store's versions 1 to 5 (1 and 2 released; 3, 4 and 5 on main, not to change either). */
const SHIPPED_STORE_CHECKSUMS = [
  'dccbb792662128e4685c92614d24a4fc82e435c2b4afc24a5ce2765846aa21e2',
  '654c604c5068a9a8707d753603b917d694339058be785bc459b0b5608c617d3d',
  'dd00fc4d1ca378299850c0d25799da8d33b79c80b54ae04d0c3e650feb725fb8',
  'ed1dc83e7fb99b21e6a4f80a992c3403fae26a311342fab1343ff7f254cb4ad8',
  'aa42b32270447f93363e6cc971c001c16de830d0968d9b8150fa94701e580b84',
];

const setUp = async (t: {teardown: (callback: () => Promise<void>) => void}, get: () => Promise<Backend>) => {
  const {pool} = await get();

  return {pool, schema: useFreshSchema(t, pool)};
};

const selectMigrations = async (pool: DatabasePool, schema: string, table = 'planton_migration') => {
  return await pool.any(sql.type(z.object({checksum: z.string(), name: z.string(), version: z.number()}))`
    SELECT version, name, checksum FROM ${sql.identifier([schema, table])} ORDER BY version
  `);
};

const selectTables = async (pool: DatabasePool, schema: string) => {
  return await pool.anyFirst(sql.type(z.object({table_name: z.string()}))`
    SELECT table_name::text FROM information_schema.tables WHERE table_schema = ${schema} ORDER BY table_name
  `);
};

const createMigration = (version: number, text: string): Migration => {
  return {checksum: createHash('sha256').update(text).digest('hex'), file: `000${version}-test.sql`, text, version};
};

const TEST_COMPONENT = {lockKey: 0x74_65_73_74, name: 'test', table: 'test_migration'};

test('the store\'s shipped migrations keep the checksums databases recorded for them', async (t) => {
  const migrations = await readMigrations({component: 'store', dialect: 'postgres'});

  t.deepEqual(migrations.map(({checksum}) => checksum), SHIPPED_STORE_CHECKSUMS);
  t.deepEqual(migrations.map(({file}) => file), ['0001-schema.sql', '0002-combined-claim-check.sql', '0003-claim-capacity.sql', '0004-instruction-attempts.sql', '0005-execution-summary-indexes.sql']);
});

for (const {get, name} of backends) {
  test(`${name}: the store and the scheduler migrating one schema from several processes at once apply each migration once`, async (t) => {
    const {pool, schema} = await setUp(t, get);

    await Promise.all([
      applyMigrations({pool, schema}),
      applySchedulerMigrations({pool, schema}),
      applyMigrations({pool, schema}),
      applySchedulerMigrations({pool, schema}),
      applyMigrations({pool, schema}),
      applySchedulerMigrations({pool, schema}),
    ]);
    await applyMigrations({pool, schema});
    await applySchedulerMigrations({pool, schema});

    const applied = await selectMigrations(pool, schema);

    t.deepEqual(applied.slice(0, 3), [
      {checksum: SHIPPED_STORE_CHECKSUMS[0], name: '0001-schema.sql', version: 1},
      {checksum: SHIPPED_STORE_CHECKSUMS[1], name: '0002-combined-claim-check.sql', version: 2},
      {checksum: SHIPPED_STORE_CHECKSUMS[2], name: '0003-claim-capacity.sql', version: 3},
    ]);
    t.deepEqual(applied.slice(3).map(({name: file, version}) => ({file, version})), [{file: '0004-instruction-attempts.sql', version: 4}, {file: '0005-execution-summary-indexes.sql', version: 5}]);
    t.deepEqual((await selectMigrations(pool, schema, 'planton_scheduler_migration')).map(({name: file, version}) => ({file, version})), [{file: '0001-scheduler-tables.sql', version: 1}, {file: '0002-pause-one-off-history.sql', version: 2}, {file: '0003-job-result.sql', version: 3}, {file: '0004-task-failure-index.sql', version: 4}, {file: '0005-ended-job-index.sql', version: 5}]);
    t.deepEqual(await selectTables(pool, schema), [
      'maintenance_task',
      'maintenance_task_execution',
      'maintenance_task_instruction_retry',
      'planton_migration',
      'planton_scheduler_migration',
      'scheduled_job',
      'scheduled_job_log',
      'scheduled_task',
    ]);
  });

  test(`${name}: a schema migrated by earlier releases (their file names recorded) is recognised and left as it is`, async (t) => {
    const {pool, schema} = await setUp(t, get);

    await applyMigrations({pool, schema});
    await pool.query(sql.type(empty)`
      UPDATE ${sql.identifier([schema, 'planton_migration'])}
      SET name = CASE version WHEN 1 THEN 'schema.sql' WHEN 2 THEN 'migrations/0002-combined-claim-check.sql' ELSE name END
    `);

    const before = await selectMigrations(pool, schema);

    await applyMigrations({pool, schema});
    await (await createPostgresStore({pool, reaperInterval: 0, schema})).terminate();

    t.deepEqual(await selectMigrations(pool, schema), before);
    t.deepEqual(before.map(({name: file}) => file), ['schema.sql', 'migrations/0002-combined-claim-check.sql', '0003-claim-capacity.sql', '0004-instruction-attempts.sql', '0005-execution-summary-indexes.sql']);
  });

  test(`${name}: a schema of the first release (version 1 only) is brought to the latest version`, async (t) => {
    const {pool, schema} = await setUp(t, get);

    await applyMigrations({pool, schema});
    await pool.query(sql.type(empty)`DELETE FROM ${sql.identifier([schema, 'planton_migration'])} WHERE version >= 2`);
    await pool.query(sql.type(empty)`DROP FUNCTION ${sql.identifier([schema, 'assert_combined_claim'])}`);
    await pool.query(sql.type(empty)`DROP FUNCTION ${sql.identifier([schema, 'admit_claim'])}`);
    await pool.query(sql.type(empty)`ALTER TABLE ${sql.identifier([schema, 'maintenance_task_execution'])} DROP COLUMN claim_token`);
    await pool.query(sql.type(empty)`DROP TABLE ${sql.identifier([schema, 'maintenance_task_instruction_retry'])}`);
    await pool.query(sql.type(empty)`DROP INDEX ${sql.identifier([schema, 'maintenance_task_execution_ended_at_idx'])}, ${sql.identifier([schema, 'maintenance_task_execution_terminated_at_idx'])}`);
    await pool.query(sql.type(empty)`
      ALTER TABLE ${sql.identifier([schema, 'maintenance_task'])}
        DROP COLUMN maximum_attempt_count, DROP COLUMN retry_delay, DROP COLUMN maximum_retry_delay
    `);

    await applyMigrations({pool, schema});

    t.deepEqual((await selectMigrations(pool, schema)).map(({version}) => version), [1, 2, 3, 4, 5]);
    t.true(await pool.exists(sql.type(empty)`
      SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ${schema} AND p.proname = 'assert_combined_claim'
    `));
  });

  test(`${name}: an applied migration whose file changed is refused with MIGRATION_CHECKSUM_MISMATCH, by both stores`, async (t) => {
    const {pool, schema} = await setUp(t, get);

    await applyMigrations({pool, schema});
    await applySchedulerMigrations({pool, schema});
    await pool.query(sql.type(empty)`UPDATE ${sql.identifier([schema, 'planton_migration'])} SET checksum = 'edited' WHERE version = 2`);
    await pool.query(sql.type(empty)`UPDATE ${sql.identifier([schema, 'planton_scheduler_migration'])} SET checksum = 'edited' WHERE version = 1`);

    const storeError = await t.throwsAsync(createPostgresStore({pool, reaperInterval: 0, schema}));

    t.like(storeError, {appliedChecksum: 'edited', code: 'MIGRATION_CHECKSUM_MISMATCH', file: '0002-combined-claim-check.sql', fileChecksum: SHIPPED_STORE_CHECKSUMS[1], schema, version: 2});
    t.like(await t.throwsAsync(createPostgresSchedulerStore({pool, schema})), {appliedChecksum: 'edited', code: 'MIGRATION_CHECKSUM_MISMATCH', file: '0001-scheduler-tables.sql', schema, version: 1});
  });

  test(`${name}: each migration is its own transaction: one that fails rolls back alone, and a later run applies only what is missing`, async (t) => {
    const {pool, schema} = await setUp(t, get);
    const first = createMigration(1, 'CREATE TABLE first (id integer);\nINSERT INTO first VALUES (1);');
    const failing = createMigration(2, 'CREATE TABLE second (id integer);\nSELECT 1 / 0;');
    const second = createMigration(2, 'CREATE TABLE second (id integer);');
    const third = createMigration(3, 'INSERT INTO first VALUES (3);');

    const error = await t.throwsAsync(applyPostgresMigrations({component: TEST_COMPONENT, migrations: [first, failing, third], pool, schema}));

    t.like(error, {code: 'MIGRATION_FAILED', schema, version: 2});
    t.regex(String(error?.message), /division by zero/v);
    t.deepEqual((await selectMigrations(pool, schema, 'test_migration')).map(({version}) => version), [1]);
    t.deepEqual(await selectTables(pool, schema), ['first', 'test_migration']);

    await applyPostgresMigrations({component: TEST_COMPONENT, migrations: [first, second, third], pool, schema});

    t.deepEqual((await selectMigrations(pool, schema, 'test_migration')).map(({version}) => version), [1, 2, 3]);
    t.deepEqual(await pool.anyFirst(sql.type(z.object({id: z.number()}))`SELECT id FROM ${sql.identifier([schema, 'first'])} ORDER BY id`), [1, 3]);
  });

  test(`${name}: a scheduler schema created by earlier releases (IF NOT EXISTS, unversioned) is adopted as version 1, its rows kept`, async (t) => {
    const {pool, schema} = await setUp(t, get);
    const fresh = useFreshSchema(t, pool);

    await applyLegacySchedulerTables({pool, schema});
    await pool.query(sql.type(empty)`
      INSERT INTO ${sql.identifier([schema, 'scheduled_task'])} (name, schedule, timeout_ms, concurrency, misfire, retry, created_at, updated_at)
      VALUES ('purge', '{"every": 1000}', 1000, 1, 'once', '{}', now(), now())
    `);

    await createPostgresSchedulerStore({pool, schema});
    await applySchedulerMigrations({pool, schema: fresh});

    t.deepEqual((await selectMigrations(pool, schema, 'planton_scheduler_migration')).map(({name: file, version}) => ({file, version})), [{file: '0001-scheduler-tables.sql', version: 1}, {file: '0002-pause-one-off-history.sql', version: 2}, {file: '0003-job-result.sql', version: 3}, {file: '0004-task-failure-index.sql', version: 4}, {file: '0005-ended-job-index.sql', version: 5}]);
    t.deepEqual(await pool.anyFirst(sql.type(z.object({name: z.string()}))`SELECT name FROM ${sql.identifier([schema, 'scheduled_task'])}`), ['purge']);

    const adopted = await describeSchema(pool, schema);
    const created = await describeSchema(pool, fresh);

    t.true(adopted.columns.length > 30);
    t.deepEqual(adopted, created);
  });
}
