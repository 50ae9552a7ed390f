/**
 * schema.sql is generated from the migrations (`npm run schema`): the committed file is what the
 * generator writes, and applying it (as `psql -f` does) gives a schema the runners would have built,
 * and would leave as it is.
 */
import {execFile} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {PGlite} from '@electric-sql/pglite';
import test from 'ava';
import {createPool, type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {createPglitePool} from '../../../src/adapters/pglite/createPglitePool.ts';
import {applyMigrations} from '../../../src/adapters/postgres/applyMigrations.ts';
import {applySchedulerMigrations} from '../../../src/scheduler/index.ts';
import {renderSchema} from '../../../scripts/renderSchema.ts';
import {createSchemaName, dropSchema} from '../../helpers/postgres.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {describeSchema} from './helpers/describeSchema.ts';

const SCHEMA_SQL = fileURLToPath(new URL('../../../schema.sql', import.meta.url));

const applyRunners = async (pool: DatabasePool, schema: string) => {
  await applyMigrations({pool, schema});
  await applySchedulerMigrations({pool, schema});
};

/** The schema built by `apply` (schema.sql) describes as the one the runners build, and the runners then find nothing to do. */
const assertSameAsRunners = async (t: {deepEqual: (actual: unknown, expected: unknown) => void; true: (value: boolean) => void}, pool: DatabasePool, apply: (schema: string) => Promise<void>) => {
  const viaRunners = createSchemaName();
  const viaSchemaSql = createSchemaName();

  try {
    await applyRunners(pool, viaRunners);
    await pool.query(sql.type(z.object({}))`CREATE SCHEMA ${sql.identifier([viaSchemaSql])}`);
    await apply(viaSchemaSql);

    const expected = await describeSchema(pool, viaRunners);

    t.true(expected.columns.length > 40 && expected.indexes.length > 8 && Object.keys(expected.migrations).length === 2);
    t.deepEqual(await describeSchema(pool, viaSchemaSql), expected);

    await applyRunners(pool, viaSchemaSql);
    t.deepEqual(await describeSchema(pool, viaSchemaSql), expected);
  } finally {
    await dropSchema(pool, viaRunners);
    await dropSchema(pool, viaSchemaSql);
  }
};

test('the committed schema.sql is what `npm run schema` generates from the migrations', async (t) => {
  t.is(await readFile(SCHEMA_SQL, 'utf8'), await renderSchema(), 'schema.sql is out of date: run `npm run schema`');
});

test('pglite: schema.sql, applied as one script, builds every table, index and migration record the runners build', async (t) => {
  const pglite = await PGlite.create();
  const pool = await createPglitePool({pglite});

  t.teardown(async () => {
    await pool.end();
    await pglite.close();
  });

  const text = await readFile(SCHEMA_SQL, 'utf8');

  await assertSameAsRunners(t, pool, async (schema) => {
    // As `psql --single-transaction -f schema.sql` with the schema first in the search_path; the
    // pool is idle meanwhile, so the direct call cannot land inside one of its transactions.
    await pglite.exec(`BEGIN; SET LOCAL search_path TO ${schema};\n${text}\nCOMMIT;`);
  });
});

const SERVER_TITLE = 'postgres: psql -f schema.sql builds every table, index and migration record the runners build';

requireEnvironment({skipTitle: SERVER_TITLE, variable: 'PLANTON_TEST_DATABASE_URL'}, (connectionUri) => {
  test(SERVER_TITLE, async (t) => {
    const pool = await createPool(connectionUri, {maxPoolSize: 2});

    t.teardown(async () => {
      await pool.end();
    });

    await assertSameAsRunners(t, pool, async (schema) => {
      await promisify(execFile)('psql', ['--no-psqlrc', '--single-transaction', '-v', 'ON_ERROR_STOP=1', '-q', '-f', SCHEMA_SQL, connectionUri], {
        env: {...process.env, PGOPTIONS: `-c search_path=${schema}`},
      });
    });
  });
});
