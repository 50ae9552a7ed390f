/**
 * `planton serve --database-url` on the PostgreSQL server (PLANTON_TEST_DATABASE_URL) in a fresh
 * schema (`--schema`, dropped after), with tokens: `migrate` first, then commands with and without a token.
 */
import test from 'ava';
import {createPool, sql} from 'slonik';
import {z} from 'zod';
import {createSchemaName} from '../helpers/postgres.ts';
import {createTask} from './helpers/createTask.ts';
import {runPlanton, type ServeProcess, startServe} from './helpers/runPlanton.ts';

const databaseUrl = process.env.PLANTON_TEST_DATABASE_URL;
const ADMIN = 'admin-token-0123456789abcdef';
const READ = 'read-token-0123456789abcdef';

if (databaseUrl === undefined || databaseUrl === '') {
  test('planton serve on PostgreSQL', (t) => {
    t.log('skipped: set PLANTON_TEST_DATABASE_URL');
    t.pass();
  });
} else {
  const schema = createSchemaName();
  let serve: ServeProcess | null = null;

  test.after.always(async () => {
    await serve?.stop();

    const pool = await createPool(databaseUrl);

    await pool.query(sql.type(z.object({}))`DROP SCHEMA IF EXISTS ${sql.identifier([schema])} CASCADE`);
    await pool.end();
  });

  test.serial('`migrate` applies the migrations into a fresh schema, then finds it up to date', async (t) => {
    const first = await runPlanton(['migrate', '--json', '--schema', schema], {PLANTON_DATABASE_URL: databaseUrl});

    t.is(first.code, 0, first.stderr);

    const body = JSON.parse(first.stdout) as {applied: number; schema: string; version: number};

    t.like(body, {schema});
    t.true(body.applied >= 1);
    t.is(body.applied, body.version);

    const second = await runPlanton(['migrate', '--database-url', databaseUrl, '--schema', schema]);

    t.is(second.code, 0, second.stderr);
    t.regex(second.stdout, new RegExp(`^PostgreSQL at [^ ]+, schema ${schema}: up to date, at version ${body.version}\\n$`, 'u'));
  });

  test.serial('serve with tokens: commands need one; a read token reads, an admin token acts', async (t) => {
    serve = await startServe(['--port', '0', '--database-url', databaseUrl, '--schema', schema], {PLANTON_TOKENS: `admin:${ADMIN},read:${READ}`});
    t.regex(serve.output(), new RegExp(`database: PostgreSQL at .*, schema ${schema}; 2 tokens`, 'u'));

    const {nextJob} = await createTask(serve.url, 'hourly-sync', {schedule: {date: '2099-06-01T12:00:00Z'}, timeout: 5000}, ADMIN);
    const jobId = String(nextJob?.id);

    const anonymous = await runPlanton(['tasks', 'list', '--url', serve.url]);

    t.is(anonymous.code, 1);
    t.regex(anonymous.stderr, /^error: UNAUTHORIZED: .*\nhint: pass a token with --token or PLANTON_TOKEN\n$/u);

    const list = await runPlanton(['tasks', 'list', '--url', serve.url, '--token', READ]);

    t.is(list.code, 0, list.stderr);
    t.regex(list.stdout, /│ hourly-sync\s+│ once 2099-06-01 12:00:00Z/u);

    const forbidden = await runPlanton(['jobs', 'cancel', jobId], {PLANTON_TOKEN: READ, PLANTON_URL: serve.url});

    t.is(forbidden.code, 1);
    t.regex(forbidden.stderr, /^error: FORBIDDEN: /u);

    const canceled = await runPlanton(['jobs', 'cancel', jobId, '--json'], {PLANTON_TOKEN: ADMIN, PLANTON_URL: serve.url});

    t.is(canceled.code, 0, canceled.stderr);
    t.like(JSON.parse(canceled.stdout), {state: 'CANCELED', taskName: 'hourly-sync'});

    const code = await serve.stop();

    serve = null;
    t.is(code, 0);
  });
}
