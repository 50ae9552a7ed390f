import test from 'ava';
import {useFreshSchema, useServer} from '../helpers/postgres.ts';
import {requireEnvironment} from '../helpers/requireEnvironment.ts';
import {checkWatchShutdown, runExample as runExampleMain} from './helpers/runExample.ts';

/** Runs `npm start`: PGlite unless `environment` gives a DATABASE_URL. */
const runExample = async (args: readonly string[], environment: Readonly<Record<string, string>>) => await runExampleMain('postgres', args, {environment, unset: ['DATABASE_URL']});

const expectedSummary = {
  emailsSent: 15_000,
  errors: 0,
  purged: 7_500,
  state: 'COMPLETED',
  users: 50_000,
  verified: true,
};

test.serial('npm start on PGlite purges, sends, verifies the database and exits 0', async (t) => {
  t.timeout(180_000);

  const run = await runExample([], {});

  t.is(run.code, 0, run.stderr);
  t.like(run.summary, {...expectedSummary, database: 'pglite'});
  t.regex(run.stdout, /verification: ok/u);
  t.is(run.stderr, '');
});

requireEnvironment({variable: 'PLANTON_TEST_DATABASE_URL'}, (serverUrl) => {
  const server = useServer(serverUrl);

  test.serial('npm start with DATABASE_URL purges, sends, verifies the database and exits 0', async (t) => {
    t.timeout(180_000);

    const schema = useFreshSchema(t, (await server.get()).pool);

    const run = await runExample(['--schema', schema], {DATABASE_URL: serverUrl});

    t.is(run.code, 0, run.stderr);
    t.like(run.summary, {...expectedSummary, database: 'postgres'});
    t.regex(run.stdout, new RegExp(`into ${schema}\\.user_account on PostgreSQL at`, 'u'));
  });
});

test.serial('--watch keeps running until SIGTERM, then shuts down cleanly and exits 0', async (t) => {
  t.timeout(120_000);

  await checkWatchShutdown(t, 'postgres', {database: 'pglite', unset: ['DATABASE_URL']});
});

test('rejects a malformed flag with its usage and exit code 2', async (t) => {
  const run = await runExample(['--users', '0'], {});

  t.is(run.code, 2);
  t.regex(run.stderr, /Expected `--users` to be an integer >= 1, got `0`\./u);
  t.regex(run.stderr, /Usage: npm start/u);
});
