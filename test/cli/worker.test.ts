/**
 * `planton worker <module>` and `planton workers list` end to end: `planton serve` (PGlite in a
 * temporary directory, an ephemeral port, admin and worker tokens), a task created over HTTP, a
 * worker process running the fixture module's processor, the job seen DONE through `planton jobs list`.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {until} from '../helpers/until.ts';
import {createTask} from './helpers/createTask.ts';
import {runPlanton, type ServeProcess, startPlanton, startServe} from './helpers/runPlanton.ts';

const ADMIN = 'admin-token-0123456789';
const WORKER = 'worker-token-0123456789';
const FIXTURE = fileURLToPath(new URL('fixtures/processors.ts', import.meta.url));
const dataDirectory = mkdtempSync(join(tmpdir(), 'planton-worker-'));
let serve: ServeProcess;

test.before(async () => {
  serve = await startServe(['--port', '0', '--data-dir', dataDirectory], {PLANTON_TOKENS: `admin:${ADMIN}:ops,worker:${WORKER}:fleet`});
});

test.after.always(async () => {
  await serve.stop();
  rmSync(dataDirectory, {force: true, recursive: true});
});

const planton = async (...args: string[]) => await runPlanton(args, {PLANTON_TOKEN: ADMIN, PLANTON_URL: serve.url});

type WorkersBody = {readonly workers: ReadonlyArray<{readonly name: string; readonly tasks: readonly string[]; readonly tokenName: string}>};

const listWorkers = async (): Promise<WorkersBody> => JSON.parse((await planton('workers', 'list', '--json')).stdout) as WorkersBody;

test.serial('`planton worker fixture.ts` runs a job of its task; `workers list` shows it; SIGTERM closes it and it leaves', async (t) => {
  // Far ahead: the task's only job is the one-off job made below, once the worker is connected.
  await createTask(serve.url, 'greet', {schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 30_000}, ADMIN);

  const worker = await startPlanton(['worker', FIXTURE, '--name', 'fixture-worker', '--concurrency', '2'], {PLANTON_TOKEN: WORKER, PLANTON_URL: serve.url}, /connected to (\S+\/v1\/workers);/u);

  t.teardown(() => {
    if (worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGKILL');
    }
  });
  t.regex(worker.output(), /tasks greet; concurrency 2/u);

  const human = await planton('workers', 'list');

  t.is(human.code, 0, human.stderr);
  t.regex(human.stdout, /│ NAME\s+│ TOKEN\s+│ TASKS\s+│ LOAD\s+│/u);
  t.regex(human.stdout, /│ fixture-worker\s+│ fleet\s+│ greet\s+│ 0\/2\s+│/u);
  t.like((await listWorkers()).workers, [{name: 'fixture-worker', tasks: ['greet'], tokenName: 'fleet'}]);

  const created = await fetch(`${serve.url}/v1/tasks/greet/jobs`, {body: JSON.stringify({payload: {who: 'cli'}}), headers: {authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json'}, method: 'POST'});

  t.is(created.status, 201);

  const {id} = await created.json() as {readonly id: number};
  type JobsBody = {readonly jobs: ReadonlyArray<{readonly id: number; readonly state: string}>};
  let jobs: JobsBody['jobs'] = [];

  await until(async () => {
    jobs = (JSON.parse((await planton('jobs', 'list', '--task', 'greet', '--json')).stdout) as JobsBody).jobs;

    return jobs.some((job) => job.id === id && job.state === 'DONE');
  });
  t.like(jobs.find((job) => job.id === id), {state: 'DONE'});

  const logs = await planton('jobs', 'logs', String(id));

  t.regex(logs.stdout, /hello cli/u);
  t.is(await worker.stop(), 0);
  t.regex(worker.output(), /SIGTERM, closing[\s\S]*stopped/u);
  await until(async () => (await listWorkers()).workers.length === 0);
  t.regex((await planton('workers', 'list')).stdout, /No workers connected\./u);
});

test.serial('`planton worker` with a module that exports no processors exits 1 with INVALID_WORKER_MODULE', async (t) => {
  const result = await runPlanton(['worker', fileURLToPath(new URL('helpers/createTask.ts', import.meta.url))], {PLANTON_TOKEN: WORKER, PLANTON_URL: serve.url});

  t.is(result.code, 1);
  t.regex(result.stderr, /^error: INVALID_WORKER_MODULE: The worker module .*createTask\.ts has no default export/u);
});
