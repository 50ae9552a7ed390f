/** `npm run example:mysql` on the server of PLANTON_TEST_MYSQL_URL: it seeds, dispatches everything once and verifies the database. */
import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {createTestPool, useFreshDatabase} from '../helpers/mysql.ts';
import {requireEnvironment} from '../helpers/requireEnvironment.ts';

const MAIN = fileURLToPath(new URL('../../examples/mysql/main.ts', import.meta.url));

const runExample = async (args: readonly string[], databaseUrl: string) => {
  const child = spawn(process.execPath, [MAIN, ...args], {env: {...process.env, DATABASE_URL: databaseUrl}, stdio: ['ignore', 'pipe', 'pipe']});
  let stdout = '';
  let stderr = '';

  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });

  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  let summary: Record<string, unknown> | null = null;

  try {
    summary = (JSON.parse(last) as {summary?: Record<string, unknown>}).summary ?? null;
  } catch {
    summary = null;
  }

  return {code, stderr, stdout, summary};
};

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
