/** `npm run example:mysql` on the server of PLANTON_TEST_MYSQL_URL: it seeds, dispatches everything once and verifies the database. */
import test from 'ava';
import {createTestPool, useFreshDatabase} from '../helpers/mysql.ts';
import {requireEnvironment} from '../helpers/requireEnvironment.ts';
import {runExample as runExampleMain} from './helpers/runExample.ts';

/** Runs `npm run example:mysql` on `databaseUrl`. */
const runExample = async (args: readonly string[], databaseUrl: string) => await runExampleMain('mysql', args, {environment: {DATABASE_URL: databaseUrl}});

test('without a mysql:// DATABASE_URL the example exits 2 and says what it expects', async (t) => {
  const run = await runExample([], 'postgres://postgres@127.0.0.1:5432/test');

  t.is(run.code, 2);
  t.regex(run.stderr, /Expected DATABASE_URL to be a mysql:\/\/ URL/u);
});

requireEnvironment({variable: 'PLANTON_TEST_MYSQL_URL'}, (url) => {
  const pool = createTestPool(url, 2);

  test('the example purges and sends everything due, once, and its checks pass', async (t) => {
    const database = useFreshDatabase(t, pool);
    const run = await runExample(['--users', '4000', '--schema', database], url);

    t.is(run.code, 0, run.stderr);
    t.like(run.summary, {database: 'mysql', emailsSent: 1_200, errors: 0, purged: 600, state: 'COMPLETED', users: 4_000, verified: true});
  });
});
