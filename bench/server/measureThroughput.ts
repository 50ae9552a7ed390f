import {performance} from 'node:perf_hooks';
import {followOutcomes, insertDueJobs, scheduleTask} from './jobs.ts';
import {openBackend} from './openBackend.ts';
import {THROUGHPUT_JOBS, WORKER_CONCURRENCY, WORKERS} from './settings.ts';
import {spawnWorkers, type WorkerProcesses} from './spawnWorkers.ts';

const TASK = 'drain';

/** Draining stops here even if jobs are left (then reported as `drained: false`). */
const LIMIT_MS = 60_000;

/**
 * `THROUGHPUT_JOBS` one-off jobs, due now, drained by `WORKERS` worker processes over WebSocket
 * (`remote`, each of concurrency `WORKER_CONCURRENCY`) or by one processor in the server's process
 * (`in-process`); the task's concurrency is `WORKERS × WORKER_CONCURRENCY` either way. The jobs are
 * inserted before any processor exists (a long `noProcessorGrace` keeps them due); the workers
 * connect and then are told to offer the task all at once. Timed from that moment
 * (or `addProcessor`) to the last `succeeded` event (the job's DONE row written).
 */
export const measure = async (system: string, schema: string): Promise<Record<string, unknown>> => {
  const backend = await openBackend({backend: 'postgres', schema, scheduler: {noProcessorGrace: 3_600_000}});
  let workers: WorkerProcesses | null = null;

  try {
    const {scheduler} = backend;

    await scheduleTask(scheduler, TASK, WORKERS * WORKER_CONCURRENCY);

    await insertDueJobs(schema, TASK, THROUGHPUT_JOBS);

    const outcomes = followOutcomes(scheduler);

    if (system === 'remote') {
      workers = await spawnWorkers({concurrency: WORKER_CONCURRENCY, count: WORKERS, task: TASK, url: backend.workerUrl});
    }

    const startedAt = performance.now();
    const cpuAtStart = process.cpuUsage();

    if (workers === null) {
      // The same processor as the workers': its result travels as theirs does (in memory here).
      scheduler.addProcessor(TASK, (job) => ({due: job.scheduledFor.getTime(), startedAt: Date.now()}));
    } else {
      workers.go();
    }

    await outcomes.succeeded(THROUGHPUT_JOBS, LIMIT_MS);

    const elapsed = performance.now() - startedAt;
    const serverCpu = process.cpuUsage(cpuAtStart);
    const jobs = outcomes.results.length;
    const workerCpu = await workers?.stop();
    const perJob = (micros: number) => Math.round(micros / Math.max(1, jobs));

    return {
      jobsPerSecond: Math.round(jobs / (elapsed / 1_000)),
      jobs,
      drained: jobs >= THROUGHPUT_JOBS,
      failures: outcomes.failures(),
      elapsedMs: Math.round(elapsed),
      // CPU time per job (user + system, µs): the server's process over the drain, and the worker processes' from go to their close.
      serverCpuUsPerJob: perJob(serverCpu.user + serverCpu.system),
      ...workerCpu === undefined ? {} : {workersCpuUsPerJob: perJob(workerCpu)},
      settings: system === 'remote'
        ? `${THROUGHPUT_JOBS} one-off jobs due (inserted in one statement), ${WORKERS} worker processes (connectWorker over WebSocket) of concurrency ${WORKER_CONCURRENCY}, task concurrency ${WORKERS * WORKER_CONCURRENCY}, no-op processor; the server on PostgreSQL as planton serve; timed from the workers' go to the last 'succeeded' event`
        : `${THROUGHPUT_JOBS} one-off jobs due (inserted in one statement), one in-process processor (scheduler.addProcessor) in the server's process, task concurrency ${WORKERS * WORKER_CONCURRENCY}, no-op; timed from addProcessor to the last 'succeeded' event`,
    };
  } finally {
    await workers?.stop();
    await backend.close();
  }
};
