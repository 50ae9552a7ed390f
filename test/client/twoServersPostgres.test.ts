/**
 * Two `planton serve` processes on one PostgreSQL schema, each with two remote worker processes
 * connected to it, share an every-second cron task for 30 s of real time (the point: both servers'
 * dispatchers race for the same slots): every slot of the window has one job, run once, by a worker
 * of either server, and both servers hand some out.
 */
import {fileURLToPath} from 'node:url';
import test, {type ExecutionContext} from 'ava';
import {createPool, sql} from 'slonik';
import {z} from 'zod';
import {type ServeProcess, runPlanton, startServe} from '../cli/helpers/runPlanton.ts';
import {createSchemaName} from '../helpers/postgres.ts';
import {type Fixture, spawnFixture} from '../helpers/spawnFixture.ts';
import {until} from '../helpers/until.ts';
import type {RemoteWorkerMessage} from './fixtures/remoteWorker.ts';

const FIXTURE = fileURLToPath(new URL('fixtures/remoteWorker.ts', import.meta.url));
const ADMIN = 'admin-token-0123456789abcdef';
const WORKER = 'worker-token-0123456789abcdef';
const TASK = 'every-second';
const SECOND = 1000;
const WINDOW = 30 * SECOND;

type Job = {readonly attempt: number; readonly id: number; readonly scheduledFor: string; readonly state: string};

type Started = Extract<RemoteWorkerMessage, {readonly type: 'started'}>;

const isStarted = (message: RemoteWorkerMessage): message is Started => message.type === 'started';

const isAnswered = (message: RemoteWorkerMessage): message is Extract<RemoteWorkerMessage, {readonly type: 'answered'}> => message.type === 'answered' && message.code === null;

/** `condition`, evaluated at most once per `interval` ms (false in between): for conditions that cost a request. */
const paced = (condition: () => Promise<boolean>, interval = 200): (() => Promise<boolean>) => {
  let last = 0;

  return async () => {
    if (Date.now() - last < interval) {
      return false;
    }

    last = Date.now();

    return await condition();
  };
};

const request = async <Body>(url: string, method: string, path: string, body?: unknown): Promise<Body> => {
  const response = await fetch(`${url}${path}`, {
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: {authorization: `Bearer ${ADMIN}`, ...body === undefined ? {} : {'content-type': 'application/json'}},
    method,
  });

  if (!response.ok) {
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  }

  return await response.json() as Body;
};

/** Every job of the task scheduled in [from, to), following the pages. */
const listJobs = async (url: string, from: Date, to: Date): Promise<readonly Job[]> => {
  const jobs: Job[] = [];
  let after: string | null = null;

  do {
    const query = new URLSearchParams({from: from.toISOString(), limit: '500', taskName: TASK, to: to.toISOString(), ...after === null ? {} : {after}});
    const page: {readonly jobs: readonly Job[]; readonly nextCursor: string | null} = await request(url, 'GET', `/v1/jobs?${query.toString()}`);

    jobs.push(...page.jobs);
    after = page.nextCursor;
  } while (after !== null);

  return jobs;
};

const spawnWorker = (t: ExecutionContext, serve: ServeProcess): Fixture<RemoteWorkerMessage> => {
  const fixture = spawnFixture<RemoteWorkerMessage>(FIXTURE, {PLANTON_URL: `${serve.url}/v1/workers`, TASK, TOKEN: WORKER});

  t.teardown(() => {
    if (fixture.child.exitCode === null && fixture.child.signalCode === null) {
      fixture.child.kill('SIGKILL');
    }
  });

  return fixture;
};

const databaseUrl = process.env.PLANTON_TEST_DATABASE_URL;

if (databaseUrl === undefined || databaseUrl === '') {
  test('two servers on one database', (t) => {
    t.log('skipped: set PLANTON_TEST_DATABASE_URL');
    t.pass();
  });
} else {
  test('two servers on one database with clients on each: every job of a 30 s every-second cron runs exactly once', async (t) => {
    t.timeout(5 * 60 * SECOND);

    const schema = createSchemaName();
    const servers: ServeProcess[] = [];

    t.teardown(async () => {
      await Promise.all(servers.map(async (serve) => await serve.stop()));

      const pool = await createPool(databaseUrl);

      await pool.query(sql.type(z.object({}))`DROP SCHEMA IF EXISTS ${sql.identifier([schema])} CASCADE`);
      await pool.end();
    });

    const migrated = await runPlanton(['migrate', '--database-url', databaseUrl, '--schema', schema]);

    t.is(migrated.code, 0, migrated.stderr);

    const environment = {PLANTON_TOKENS: `admin:${ADMIN},worker:${WORKER}`};

    for (const _name of ['a', 'b']) {
      servers.push(await startServe(['--port', '0', '--database-url', databaseUrl, '--schema', schema], environment));
    }

    const workers = servers.map((serve) => [spawnWorker(t, serve), spawnWorker(t, serve)]);

    for (const serve of servers) {
      await until(paced(async () => (await request<{readonly workers: readonly unknown[]}>(serve.url, 'GET', '/v1/workers')).workers.length === 2));
    }

    const [a, b] = servers as [ServeProcess, ServeProcess];
    const task = await request<{readonly nextRunAt: string}>(a.url, 'PUT', `/v1/tasks/${TASK}`, {concurrency: 4, schedule: '* * * * * *', timeout: 30 * SECOND});
    const from = new Date(task.nextRunAt);
    const to = new Date(from.getTime() + WINDOW);

    // The window has passed once the workers have finished one job more than it holds (the first
    // slot is the window's first); then every job of the window ends (asked at most 5 times a second:
    // the API's rate limit counts these requests too).
    const answered = () => new Set(workers.flat().flatMap((worker) => worker.messages.filter(isAnswered).map(({jobId}) => jobId))).size;

    await until(() => answered() > WINDOW / SECOND, 3 * WINDOW);
    await until(paced(async () => (await listJobs(a.url, from, to)).every(({state}) => state === 'DONE')), WINDOW);
    await request(b.url, 'POST', `/v1/tasks/${TASK}/pause`);

    const jobs = (await listJobs(a.url, from, to)).toSorted((left, right) => Date.parse(left.scheduledFor) - Date.parse(right.scheduledFor));
    const slots = Array.from({length: WINDOW / SECOND}, (_, index) => new Date(from.getTime() + index * SECOND).toISOString());

    t.deepEqual(jobs.map(({scheduledFor}) => new Date(scheduledFor).toISOString()), slots, 'one job per slot, none missing');
    t.deepEqual(jobs.filter(({attempt, state}) => attempt !== 1 || state !== 'DONE'), [], 'each done at its first attempt');

    const ids = new Set(jobs.map(({id}) => id));
    const runsOf = (pair: ReadonlyArray<Fixture<RemoteWorkerMessage>>) => pair.flatMap((worker) => worker.messages.filter(isStarted)).filter(({jobId}) => ids.has(jobId));

    // A worker reports a start over IPC before its `done` reaches the server: the reports may trail the states.
    await until(() => workers.flatMap(runsOf).length >= ids.size);

    const runs = workers.map(runsOf);
    const windowRuns = runs.flat();

    t.deepEqual(windowRuns.map(({jobId}) => jobId).toSorted((left, right) => left - right), [...ids].toSorted((left, right) => left - right), 'each job run exactly once');

    const perServer = runs.map((serverRuns) => serverRuns.length);

    t.log(`jobs run by the workers of server a: ${perServer[0]}, of server b: ${perServer[1]}`);
    t.true(perServer.every((count) => count > 0), `both servers handed out jobs: ${perServer.join(', ')}`);
  });
}
