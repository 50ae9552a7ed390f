/**
 * The commands over the routes the server gains with the admin API (pause/resume, GET /v1/jobs,
 * retry, DELETE /v1/jobs, the log stream): `planton serve` on PGlite, driven by `planton …`.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {createTask} from './helpers/createTask.ts';
import {runPlanton, type ServeProcess, startServe} from './helpers/runPlanton.ts';

const dataDirectory = mkdtempSync(join(tmpdir(), 'planton-cli-admin-'));
let serve: ServeProcess;
const jobIds: number[] = [];

test.before(async () => {
  serve = await startServe(['--port', '0', '--data-dir', dataDirectory]);

  for (const name of ['archive-a', 'archive-b', 'archive-c']) {
    jobIds.push((await createTask(serve.url, name, {schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 60_000})).nextJob?.id ?? 0);
  }
});

test.after.always(async () => {
  await serve.stop();
  rmSync(dataDirectory, {force: true, recursive: true});
});

const planton = async (...args: string[]) => await runPlanton(args, {PLANTON_URL: serve.url});

test.serial('`tasks pause` and `tasks resume`', async (t) => {
  const paused = await planton('tasks', 'pause', 'archive-a');

  t.is(paused.code, 0, paused.stderr);
  t.regex(paused.stdout, /^paused task archive-a; next run /u);
  t.regex((await planton('tasks', 'list')).stdout, /│ archive-a\s+│ once 2099-01-01 00:00:00Z\s+│ yes\s+│/u);

  const resumed = await planton('tasks', 'resume', 'archive-a', '--json');

  t.is(resumed.code, 0, resumed.stderr);
  t.like(JSON.parse(resumed.stdout), {name: 'archive-a', paused: false});
  t.regex((await planton('tasks', 'pause', 'no-such-task')).stderr, /^error: UNKNOWN_TASK: /u);
});

test.serial('`jobs list` filters by task and state, and pages with --limit and --after', async (t) => {
  const human = await planton('jobs', 'list');

  t.is(human.code, 0, human.stderr);
  t.regex(human.stdout, /│ ID\s+│ TASK\s+│ STATE\s+│/u);

  for (const id of jobIds) {
    t.regex(human.stdout, new RegExp(`│ ${id}\\s+│ archive-[abc]\\s+│ SCHEDULED\\s+│`, 'u'));
  }

  const byTask = JSON.parse((await planton('jobs', 'list', '--task', 'archive-b', '--json')).stdout) as {jobs: Array<{id: number}>; nextCursor: null | string};

  t.deepEqual(byTask.jobs.map(({id}) => id), [jobIds[1]]);
  t.is(byTask.nextCursor, null);

  const none = await planton('jobs', 'list', '--state', 'done,error');

  t.is(none.stdout, 'No jobs.\n');

  const first = await planton('jobs', 'list', '--limit', '2', '--json');
  const page = JSON.parse(first.stdout) as {jobs: Array<{id: number}>; nextCursor: string};

  t.is(page.jobs.length, 2);
  t.truthy(page.nextCursor);
  t.regex((await planton('jobs', 'list', '--limit', '2')).stderr, /^more: --after \S+\n$/u);

  const next = JSON.parse((await planton('jobs', 'list', '--limit', '2', '--after', page.nextCursor, '--json')).stdout) as {jobs: Array<{id: number}>};

  t.deepEqual([...page.jobs, ...next.jobs].map(({id}) => id).toSorted((a, b) => a - b), jobIds.toSorted((a, b) => a - b));
});

test.serial('`jobs retry` gives a canceled job another attempt; a scheduled one is refused', async (t) => {
  const [id] = jobIds;

  t.is((await planton('jobs', 'cancel', String(id))).code, 0);

  const retried = await planton('jobs', 'retry', String(id), '--json');

  t.is(retried.code, 0, retried.stderr);
  t.true(['RUNNING', 'SCHEDULED', 'WAITING'].includes((JSON.parse(retried.stdout) as {state: string}).state));

  const refused = await planton('jobs', 'retry', String(jobIds[1]));

  t.is(refused.code, 1);
  t.regex(refused.stderr, /^error: INVALID_JOB_STATE: /u);
});

test.serial('`jobs logs --follow` of an ended job prints its entries and returns once the stream ends', async (t) => {
  const id = String(jobIds[2]);

  t.is((await planton('jobs', 'cancel', id)).code, 0);

  const followed = await planton('jobs', 'logs', id, '--follow');

  t.is(followed.code, 0, followed.stderr);
  t.is(followed.stdout, '');
});

test.serial('`jobs prune` deletes ended jobs older than the duration', async (t) => {
  const kept = await planton('jobs', 'prune', '--older-than', '30d');

  t.is(kept.code, 0, kept.stderr);
  t.is(kept.stdout, 'deleted 0 jobs\n');

  const pruned = await planton('jobs', 'prune', '--older-than', '0s', '--state', 'canceled', '--json');

  t.is(pruned.code, 0, pruned.stderr);
  t.deepEqual(JSON.parse(pruned.stdout), {deleted: 1});

  const gone = await planton('jobs', 'get', String(jobIds[2]));

  t.is(gone.code, 1);
  t.regex(gone.stderr, /^error: UNKNOWN_JOB: /u);
});
