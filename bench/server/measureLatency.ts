import {setTimeout as sleep} from 'node:timers/promises';
import {createJobs, followOutcomes, percentile, scheduleTask} from './jobs.ts';
import {openBackend} from './openBackend.ts';
import {LATENCY_JOBS, LATENCY_LEAD_MS, LATENCY_SPACING_MS, WORKER_CONCURRENCY, WORKERS} from './settings.ts';
import {spawnWorkers, type WorkerProcesses} from './spawnWorkers.ts';

const TASK = 'due';

/** How long after the last due time the jobs may take to succeed. */
const GRACE_MS = 30_000;

/** What the handlers return (`result` of the `succeeded` event): the job's due time and when the handler started, ms since the epoch. */
type Start = {readonly due: number; readonly startedAt: number};

const round = (value: number) => Math.round(value * 100) / 100;

/**
 * Due time → handler start: `LATENCY_JOBS` one-off jobs due `LATENCY_SPACING_MS` apart, created up
 * front (`scheduler.runTask` with `runAt`), the first `LATENCY_LEAD_MS` after the processors are in
 * place. The handler returns `{due: job.scheduledFor, startedAt: Date.now()}` (one machine, one clock),
 * read from the `succeeded` events. `remote`: `WORKERS` worker processes over WebSocket;
 * `in-process`: a processor in the server's process. Jobs whose due time passed before all were
 * created are left out (`dueBeforeCreated`).
 */
export const measure = async (system: string, schema: string): Promise<Record<string, unknown>> => {
  const backend = await openBackend({backend: 'postgres', schema});
  let workers: WorkerProcesses | null = null;

  try {
    const {scheduler, workerHub} = backend;

    await scheduleTask(scheduler, TASK, WORKERS * WORKER_CONCURRENCY);

    if (system === 'remote') {
      workers = await spawnWorkers({concurrency: WORKER_CONCURRENCY, count: WORKERS, task: TASK, url: backend.workerUrl});
      workers.go();

      while (workerHub.listWorkers().filter(({tasks}) => tasks.includes(TASK)).length < WORKERS) {
        await sleep(10);
      }
    } else {
      scheduler.addProcessor(TASK, (job): Start => ({due: job.scheduledFor.getTime(), startedAt: Date.now()}));
    }

    const outcomes = followOutcomes(scheduler);
    const firstDue = Date.now() + LATENCY_LEAD_MS;
    const dueTimes = Array.from({length: LATENCY_JOBS}, (_, index) => firstDue + (index * LATENCY_SPACING_MS));

    await createJobs(scheduler, TASK, LATENCY_JOBS, (index) => new Date(dueTimes[index] ?? firstDue));

    const createdBy = Date.now();

    await outcomes.succeeded(LATENCY_JOBS, (dueTimes.at(-1) ?? firstDue) - Date.now() + GRACE_MS);

    // Only the jobs whose due time came after the last one was created: the others may have waited for their creation.
    const sorted = outcomes.results
      .filter((result): result is Start => typeof (result as Partial<Start> | null)?.due === 'number')
      .filter(({due}) => due >= createdBy)
      .map(({due, startedAt}) => startedAt - due)
      .toSorted((a, b) => a - b);

    return {
      p50Ms: round(percentile(sorted, 0.5)),
      p99Ms: round(percentile(sorted, 0.99)),
      maxMs: round(sorted.at(-1) ?? Number.NaN),
      samples: sorted.length,
      succeeded: outcomes.results.length,
      dueBeforeCreated: dueTimes.filter((due) => due < createdBy).length,
      failures: outcomes.failures(),
      settings: `${LATENCY_JOBS} one-off jobs due ${LATENCY_SPACING_MS} ms apart, created up front through scheduler.runTask({runAt}), ${system === 'remote' ? `${WORKERS} worker processes (connectWorker) of concurrency ${WORKER_CONCURRENCY}` : 'one in-process processor'}; the server on PostgreSQL as planton serve; lateness = Date.now() at the handler's start - job.scheduledFor (the due time)`,
    };
  } finally {
    await workers?.stop();
    await backend.close();
  }
};
