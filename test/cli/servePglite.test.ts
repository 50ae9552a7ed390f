/**
 * `planton serve` on PGlite in a temporary data directory, on an ephemeral port, driven by `planton …`
 * commands in child processes: their output (tables and --json) and exit codes.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {createTask} from './helpers/createTask.ts';
import {runPlanton, type ServeProcess, startServe} from './helpers/runPlanton.ts';

const dataDirectory = mkdtempSync(join(tmpdir(), 'planton-cli-'));
let serve: ServeProcess;
/** A job far in the future: SCHEDULED until a test cancels it. */
let futureJobId: number;

test.before(async () => {
  serve = await startServe(['--port', '0', '--data-dir', dataDirectory]);
  futureJobId = (await createTask(serve.url, 'yearly-archive', {schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 60_000})).nextJob?.id ?? 0;
  await createTask(serve.url, 'nightly-report', {payload: {format: 'pdf'}, schedule: '0 3 * * *', timeout: 30_000});
});

test.after.always(async () => {
  rmSync(dataDirectory, {force: true, recursive: true});
});

const planton = async (...args: string[]) => await runPlanton(args, {PLANTON_URL: serve.url});

test.serial('`--port 0` listens on a real port, and says on which database', (t) => {
  t.regex(serve.url, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/u);
  t.regex(serve.output(), /database: PGlite in .*planton-cli-.*, schema planton; no tokens/u);
});

test.serial('`tasks list` prints a table of the tasks; --json the API\'s answer', async (t) => {
  const human = await planton('tasks', 'list');

  t.is(human.code, 0, human.stderr);
  t.regex(human.stdout, /│ NAME\s+│ SCHEDULE\s+│/u);
  t.regex(human.stdout, /│ nightly-report\s+│ cron 0 3 \* \* \*\s+│/u);
  t.regex(human.stdout, /│ yearly-archive\s+│ once 2099-01-01 00:00:00Z\s+│/u);

  const json = await planton('tasks', 'list', '--json');
  const body = JSON.parse(json.stdout) as {tasks: Array<{name: string}>};

  t.is(json.code, 0);
  t.deepEqual(body.tasks.map(({name}) => name).toSorted(), ['nightly-report', 'yearly-archive']);
});

test.serial('`tasks get` prints one task; an unknown one exits 1 with its code', async (t) => {
  const human = await planton('tasks', 'get', 'nightly-report');

  t.is(human.code, 0, human.stderr);
  t.regex(human.stdout, /│ payload\s+│ \{"format":"pdf"\}/u);
  t.regex(human.stdout, /│ timeout\s+│ 30s/u);

  const json = JSON.parse((await planton('tasks', 'get', 'nightly-report', '--json')).stdout) as {schedule: unknown};

  t.deepEqual(json.schedule, {expression: '0 3 * * *', kind: 'CRON', timezone: 'UTC'});

  const unknown = await planton('tasks', 'get', 'no-such-task');

  t.is(unknown.code, 1);
  t.is(unknown.stdout, '');
  t.regex(unknown.stderr, /^error: UNKNOWN_TASK: /u);
});

test.serial('`tasks trigger` runs a round now', async (t) => {
  const human = await planton('tasks', 'trigger', 'nightly-report');

  t.is(human.code, 0, human.stderr);
  t.is(human.stdout, 'triggered task nightly-report\n');
  t.deepEqual(JSON.parse((await planton('tasks', 'trigger', 'nightly-report', '--json')).stdout), {taskName: 'nightly-report'});
});

test.serial('`jobs get` shows a job; `jobs cancel` cancels it once, then INVALID_JOB_STATE', async (t) => {
  const human = await planton('jobs', 'get', String(futureJobId));

  t.is(human.code, 0, human.stderr);
  t.regex(human.stdout, /│ task\s+│ yearly-archive/u);
  t.regex(human.stdout, /│ state\s+│ SCHEDULED/u);

  const canceled = await planton('jobs', 'cancel', String(futureJobId));

  t.is(canceled.code, 0, canceled.stderr);
  t.is(canceled.stdout, `canceled job ${futureJobId} of yearly-archive: now CANCELED\n`);
  t.like(JSON.parse((await planton('jobs', 'get', String(futureJobId), '--json')).stdout), {id: futureJobId, state: 'CANCELED'});

  const again = await planton('jobs', 'cancel', String(futureJobId));

  t.is(again.code, 1);
  t.regex(again.stderr, /^error: INVALID_JOB_STATE: /u);
});

test.serial('`jobs logs` of a job without entries; an unknown job exits 1 with UNKNOWN_JOB', async (t) => {
  const human = await planton('jobs', 'logs', String(futureJobId));

  t.is(human.code, 0, human.stderr);
  t.is(human.stdout, 'No log entries.\n');
  t.deepEqual(JSON.parse((await planton('jobs', 'logs', String(futureJobId), '--json')).stdout), {logs: []});

  const unknown = await planton('jobs', 'get', '999999');

  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /^error: UNKNOWN_JOB: /u);
});

test.serial('a second process on the same data directory is refused (DATA_DIRECTORY_LOCKED)', async (t) => {
  const {code, stderr} = await runPlanton(['migrate', '--data-dir', dataDirectory]);

  t.is(code, 1);
  t.regex(stderr, new RegExp(`^error: DATA_DIRECTORY_LOCKED: The data directory .* is in use by process ${serve.child.pid}`, 'u'));
});

test.serial('SIGTERM shuts it down gracefully (exit 0); then `migrate` finds the schema up to date', async (t) => {
  t.is(await serve.stop(), 0);
  t.regex(serve.output(), /SIGTERM, shutting down\nplanton serve: stopped\n/u);

  const migrate = await runPlanton(['migrate', '--data-dir', dataDirectory]);

  t.is(migrate.code, 0, migrate.stderr);
  t.regex(migrate.stdout, /^PGlite in .*, schema planton: up to date, at version \d+\n$/u);
});
