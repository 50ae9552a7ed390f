/**
 * `planton serve --dispatch-schema` on the PostgreSQL server (PLANTON_TEST_DATABASE_URL): the
 * dispatch store of another schema of the same database, read-only, in `GET /v1/dispatch`; a schema
 * without the store's tables is reported with a coded error. Both schemas are dropped after.
 */
import test from 'ava';
import {createPool, sql} from 'slonik';
import {z} from 'zod';
import {createPostgresStore} from '../../src/adapters/postgres/createPostgresStore.ts';
import {createSchemaName} from '../helpers/postgres.ts';
import {type ServeProcess, startServe} from './helpers/runPlanton.ts';

const databaseUrl = process.env.PLANTON_TEST_DATABASE_URL;
const READ = 'read-token-0123456789abcdef';

if (databaseUrl === undefined || databaseUrl === '') {
  test('planton serve --dispatch-schema on PostgreSQL', (t) => {
    t.log('skipped: set PLANTON_TEST_DATABASE_URL');
    t.pass();
  });
} else {
  test('serve --dispatch-schema reports that schema\'s dispatch store read-only, and a schema without its tables as FAILED', async (t) => {
    const schema = createSchemaName();
    const dispatchSchema = createSchemaName();
    const missingSchema = createSchemaName();
    const pool = await createPool(databaseUrl);
    let serve: ServeProcess | null = null;

    t.teardown(async () => {
      await serve?.stop();

      for (const name of [schema, dispatchSchema]) {
        await pool.query(sql.type(z.object({}))`DROP SCHEMA IF EXISTS ${sql.identifier([name])} CASCADE`);
      }

      await pool.end();
    });

    const store = await createPostgresStore<string>({pool, reaperInterval: 0, schema: dispatchSchema});
    const claim = () => sql.unsafe`SELECT unnest(ARRAY['a', 'b', 'c']::text[])`;

    await store.registerTask({name: 'emails'});

    const [a, b] = await store.claimExecutions({claim, limit: 3, taskName: 'emails'});

    await store.completeExecution({executionId: a?.executionId ?? 0});
    await store.failExecution({executionId: b?.executionId ?? 0}, new Error('smtp down'));
    await store.terminate();

    serve = await startServe(['--port', '0', '--database-url', databaseUrl, '--schema', schema, '--dispatch-schema', dispatchSchema, '--dispatch-schema', missingSchema], {PLANTON_TOKENS: `read:${READ}`});

    const response = await fetch(`${serve.url}/v1/dispatch`, {headers: {authorization: `Bearer ${READ}`}});
    const body = await response.json() as {stores: Array<{error: {code: string} | null; name: string; status: string; tasks: unknown[]}>};

    t.is(response.status, 200);
    t.deepEqual(body.stores.map(({name, status}) => [name, status]), [[dispatchSchema, 'OK'], [missingSchema, 'FAILED']]);
    t.deepEqual(body.stores[0]?.tasks, [{completed: 1, dead: 0, failed: 1, lastTerminatedAt: null, running: 1, taskName: 'emails', terminated: 0}]);
    t.is(body.stores[1]?.error?.code, 'DISPATCH_SUMMARY_FAILED');

    const created = await pool.exists(sql.type(z.object({}))`SELECT 1 FROM pg_namespace WHERE nspname = ${missingSchema}`);

    t.false(created, 'read-only: the missing schema was not created');
  });
}
