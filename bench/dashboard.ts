/**
 * `npm run bench -- dashboard`: the server time of the dashboard's reads with 1,000,000 jobs in the
 * store (issue 15: the overview and a task page under 500 ms). For each database (PostgreSQL on
 * PLANTON_BENCH_DATABASE_URL, else the test database, in a fresh schema dropped afterwards; then
 * PGlite in a temporary directory unless BENCH_DASHBOARD_PGLITE=0), it builds what `planton serve`
 * builds (store, scheduler without processors, createServer), creates 20 tasks over the API, fills
 * the tables directly (bench/dashboard/seedJobs.ts), then sends each route of bench/dashboard/routes.ts
 * one request at a time and prints one JSON line per route: the median and p95 of the server time
 * (request received → reply sent, Fastify's `reply.elapsedTime`, read from `/metrics`) and the
 * median round trip. BENCH_DASHBOARD_JOBS (1000000) and BENCH_DASHBOARD_REQUESTS (30) override.
 */
import {mkdtemp, rm} from 'node:fs/promises';
import {loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';
import {sql} from 'slonik';
import {z} from 'zod';
import {openDatabase} from '../src/cli/openDatabase.ts';
import {createPostgresSchedulerStore, createScheduler} from '../src/scheduler/index.ts';
import {createServer} from '../src/server/index.ts';
import {fetchOnce, measureServerTime} from './dashboard/measureServerTime.ts';
import {type RouteContext, ROUTES} from './dashboard/routes.ts';
import {seedJobs} from './dashboard/seedJobs.ts';
import {BENCH_URL} from './server/settings.ts';

const TOKEN = 'bench-dashboard-token-0123456789abcdef';
const JOBS = Number(process.env.BENCH_DASHBOARD_JOBS ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_DASHBOARD_REQUESTS ?? 30);
const TARGET_MS = 500;
const TASKS = Array.from({length: 20}, (_, index) => `task-${String(index).padStart(2, '0')}`);

const print = (line: Record<string, unknown>) => {
  process.stdout.write(`${JSON.stringify({bench: 'dashboard', ...line})}\n`);
};

const get = async <T>(url: string, path: string): Promise<T> => {
  const response = await fetchOnce(`${url}${path}`, {headers: {authorization: `Bearer ${TOKEN}`}});

  if (!response.ok) {
    throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  }

  return await response.json() as T;
};

/** The task page's subject: its newest ended job (which has log lines) and the cursor of its 5th page of jobs; the task that never failed (seedJobs). */
const findContext = async (url: string, taskName: string, neverFailedTaskName: string): Promise<RouteContext> => {
  type Page = {readonly jobs: ReadonlyArray<{readonly id: number}>; readonly nextCursor: string | null};
  const ended = await get<Page>(url, `/v1/tasks/${taskName}/jobs?limit=1&states=DONE,ERROR`);
  let cursor: string | null = null;

  for (let page = 1; page < 5; page++) {
    const query: string = cursor === null ? '' : `&after=${encodeURIComponent(cursor)}`;

    cursor = (await get<Page>(url, `/v1/tasks/${taskName}/jobs?limit=25${query}`)).nextCursor;
  }

  return {fifthPageCursor: cursor ?? '', jobId: ended.jobs[0]?.id ?? 0, neverFailedTaskName, taskName};
};

const run = async (system: 'pglite' | 'postgres') => {
  const directory = system === 'pglite' ? await mkdtemp(join(tmpdir(), 'planton-bench-dashboard-')) : '';
  const schema = system === 'pglite' ? 'planton' : `bench_dashboard_${process.pid}`;
  const database = await openDatabase({dataDirectory: directory, ...system === 'postgres' ? {databaseUrl: BENCH_URL} : {}});
  const closers: Array<() => Promise<unknown>> = [];

  try {
    const store = await createPostgresSchedulerStore({pool: database.pool, schema});
    const scheduler = await createScheduler({store});

    closers.push(scheduler.terminate);

    const server = createServer({auth: {tokens: [{name: 'bench', role: 'admin', token: TOKEN}]}, dashboard: false, rateLimit: {max: 1_000_000_000, timeWindow: 60_000}, scheduler});

    closers.push(server.close);

    const {url} = await server.listen({host: '127.0.0.1', port: 0});

    for (const [index, name] of TASKS.entries()) {
      const response = await fetch(`${url}/v1/tasks/${name}`, {body: JSON.stringify({schedule: `*/${5 + index} * * * *`, timeout: 60_000}), headers: {authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json'}, method: 'PUT'});

      if (response.status !== 201) {
        throw new Error(`PUT ${name}: ${response.status} ${await response.text()}`);
      }
    }

    const seeding = performance.now();

    await seedJobs(database.pool, {jobs: JOBS, now: new Date(), running: 20, scheduled: Math.round(JOBS * 0.02), schema, taskNames: TASKS});
    print({scenario: 'seed', system, jobs: JOBS, seconds: Math.round((performance.now() - seeding) / 100) / 10});

    const context = await findContext(url, TASKS[7] ?? '', TASKS.at(-1) ?? '');

    for (const route of ROUTES) {
      const times = await measureServerTime({path: route.path(context), requests: REQUESTS, token: TOKEN, url, warmUp: 3});

      print({scenario: route.name, system, jobs: JOBS, ...times, target: `< ${TARGET_MS} ms`, met: times.status === 200 && times.p95Ms < TARGET_MS, loadAverage: loadavg().map((value) => Math.round(value * 100) / 100)});
    }
  } finally {
    for (const close of closers.toReversed()) {
      await close();
    }

    if (system === 'postgres') {
      await database.pool.query(sql.type(z.object({}).strict())`DROP SCHEMA IF EXISTS ${sql.identifier([schema])} CASCADE`);
    }

    await database.end();

    if (directory !== '') {
      await rm(directory, {force: true, recursive: true});
    }
  }
};

await run('postgres');

if (process.env.BENCH_DASHBOARD_PGLITE !== '0') {
  await run('pglite');
}
