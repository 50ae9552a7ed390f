import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import test from 'ava';
import {checkWatchShutdown, runExample as runExampleMain} from './helpers/runExample.ts';

/** Runs `npm run example:sqlite` without PLANTON_SQLITE_FILE. */
const runExample = async (args: readonly string[]) => await runExampleMain('sqlite', args, {unset: ['PLANTON_SQLITE_FILE']});

const useTemporaryFile = (t: {readonly teardown: (callback: () => void) => void}) => {
  const directory = mkdtempSync(path.join(tmpdir(), 'planton-sqlite-example-'));

  t.teardown(() => {
    rmSync(directory, {force: true, recursive: true});
  });

  return path.join(directory, 'nested', 'example.sqlite');
};

test('npm run example:sqlite purges, sends, verifies the file and exits 0; a second run starts from scratch', async (t) => {
  t.timeout(180_000);

  const file = useTemporaryFile(t);

  for (let run = 1; run <= 2; run++) {
    const result = await runExample(['--file', file, '--users', '4000']);

    t.is(result.code, 0, result.stderr);
    t.like(result.summary, {database: 'sqlite', emailsSent: 1_200, errors: 0, purged: 600, state: 'COMPLETED', users: 4_000, verified: true});
    t.regex(result.stdout, /verification: ok/u);
    t.is(result.stderr, '');
  }

  t.true(existsSync(file));
});

test('--watch keeps running until SIGTERM, then shuts down cleanly and exits 0', async (t) => {
  t.timeout(120_000);

  await checkWatchShutdown(t, 'sqlite', {args: ['--file', useTemporaryFile(t)], database: 'sqlite', unset: ['PLANTON_SQLITE_FILE']});
});

test('rejects a malformed flag with its usage and exit code 2', async (t) => {
  const run = await runExample(['--file', ':memory:']);

  t.is(run.code, 2);
  t.regex(run.stderr, /Expected `--file` to be a file path, got `:memory:`\./u);
  t.regex(run.stderr, /Usage: npm run example:sqlite/u);
});
