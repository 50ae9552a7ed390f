import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import type {Scheduler} from '../../src/scheduler/index.ts';
import {runChildProcess} from '../runChildProcess.ts';
import {percentile, scheduleTask} from './jobs.ts';
import {type BackendName, openBackend} from './openBackend.ts';
import {CHILD_TIMEOUT_MS, HTTP_CONNECTIONS, HTTP_SECONDS} from './settings.ts';

const LOAD_PATH = join(import.meta.dirname, 'loadChild.ts');
const TASK = 'created';

const round = (value: number) => Math.round(value * 100) / 100;

/**
 * The same work without HTTP, for the ratio: `HTTP_CONNECTIONS` callers of `scheduler.runTask` with
 * the same body, back to back, for `HTTP_SECONDS` in the server's process (its HTTP side idle).
 */
const measureDirect = async (scheduler: Scheduler): Promise<{readonly p50Ms: number; readonly p99Ms: number; readonly perSecond: number}> => {
  const latencies: number[] = [];
  const startedAt = performance.now();
  const until = startedAt + (HTTP_SECONDS * 1_000);

  await Promise.all(Array.from({length: HTTP_CONNECTIONS}, async () => {
    while (performance.now() < until) {
      const before = performance.now();

      await scheduler.runTask(TASK, {payload: {source: 'bench'}, runAt: new Date(Date.now() + 86_400_000).toISOString()});
      latencies.push(performance.now() - before);
    }
  }));

  const sorted = latencies.toSorted((a, b) => a - b);

  return {p50Ms: round(percentile(sorted, 0.5)), p99Ms: round(percentile(sorted, 0.99)), perSecond: Math.round(latencies.length / ((performance.now() - startedAt) / 1_000))};
};

/**
 * Jobs created per second over HTTP: `POST /v1/tasks/created/jobs` (a small payload, `runAt` a day
 * ahead, so that only creation is measured, not the runs) against the server as `planton serve`
 * builds it on `backend`, with the admin token. autocannon runs in its own process
 * (bench/server/loadChild.ts): `HTTP_CONNECTIONS` keep-alive connections for `HTTP_SECONDS`, after
 * 2 s not counted. Afterwards the task's jobs in the store are counted (warm-up's included), and the
 * same jobs are created without HTTP (`direct`) for as long: `httpOverDirect` is the ratio.
 */
export const measure = async (backend: BackendName, schema: string): Promise<Record<string, unknown>> => {
  const opened = await openBackend({backend, schema});

  try {
    await scheduleTask(opened.scheduler, TASK, 1);

    const load = await runChildProcess(LOAD_PATH, [opened.url, TASK, String(HTTP_SECONDS), String(HTTP_CONNECTIONS)], CHILD_TIMEOUT_MS);
    const counts = await opened.scheduler.countJobs({states: ['SCHEDULED'], taskName: TASK});
    const direct = await measureDirect(opened.scheduler);

    return {
      ...load,
      // Warm-up's and the counted run's.
      jobsStored: counts[TASK]?.SCHEDULED ?? 0,
      direct,
      httpOverDirect: typeof load.requestsPerSecond === 'number' ? round(load.requestsPerSecond / direct.perSecond) : null,
      settings: `autocannon 9 (own process): ${HTTP_CONNECTIONS} keep-alive connections, no pipelining, ${HTTP_SECONDS} s after 2 s of warm-up; POST /v1/tasks/:name/jobs {payload, runAt: a day ahead} with a bearer token; direct: ${HTTP_CONNECTIONS} callers of scheduler.runTask in the server's process for as long; server as planton serve on ${backend === 'postgres' ? 'the PostgreSQL server (pool of 10)' : 'PGlite in a directory'}, per-token rate limit raised out of the way`,
    };
  } finally {
    await opened.close();
  }
};
