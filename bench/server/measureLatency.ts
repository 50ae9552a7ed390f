import {setTimeout as sleep} from 'node:timers/promises';
import {createJobs, followOutcomes, percentile, scheduleTask} from './jobs.ts';
import {openBackend} from './openBackend.ts';
import {LATENCY_JOBS, LATENCY_LEAD_MS, LATENCY_SPACING_MS, WORKER_CONCURRENCY, WORKERS} from './settings.ts';
import {spawnWorkers, type WorkerProcesses} from './spawnWorkers.ts';

/** The task the worker processes run, and the one a processor in the server's process runs. */
const REMOTE = 'due-remote';
const IN_PROCESS = 'due-in-process';

/** How long after the last due time the jobs may take to succeed. */
const GRACE_MS = 30_000;

/** What the handlers return (`result` of the `succeeded` event): the job's due time and when the handler started, ms since the epoch. */
type Start = {readonly due: number; readonly startedAt: number};

const round = (value: number) => Math.round(value * 100) / 100;

const isStart = (value: unknown): value is Start => typeof (value as Partial<Start> | null)?.due === 'number' && typeof (value as Partial<Start>).startedAt === 'number';

/**
 * Due time → handler start, remote and in-process side by side in one server (so that both meet the
 * same spells of the machine): `LATENCY_JOBS` one-off jobs of a task that `WORKERS` worker processes
 * run over WebSocket, and as many of a task run by a processor in the server's process, due
 * alternately `LATENCY_SPACING_MS / 2` apart, created up front (`scheduler.runTask` with `runAt`),
 * the first `LATENCY_LEAD_MS` after the processors are in place. Each handler returns `{due:
 * job.scheduledFor, startedAt: Date.now()}` (one machine, one clock), read from the `succeeded`
 * events. Jobs whose due time passed before all were created are left out (`dueBeforeCreated`).
 */
export const measure = async (_system: string, schema: string): Promise<Record<string, unknown>> => {
  const backend = await openBackend({backend: 'postgres', schema});
  let workers: WorkerProcesses | null = null;

  try {
    const {scheduler, workerHub} = backend;

    await scheduleTask(scheduler, REMOTE, WORKERS * WORKER_CONCURRENCY);
    await scheduleTask(scheduler, IN_PROCESS, WORKERS * WORKER_CONCURRENCY);
    workers = await spawnWorkers({concurrency: WORKER_CONCURRENCY, count: WORKERS, task: REMOTE, url: backend.workerUrl});
    workers.go();

    while (workerHub.listWorkers().filter(({tasks}) => tasks.includes(REMOTE)).length < WORKERS) {
      await sleep(10);
    }

    scheduler.addProcessor(IN_PROCESS, (job): Start => ({due: job.scheduledFor.getTime(), startedAt: Date.now()}));

    const outcomes = followOutcomes(scheduler);
    const firstDue = Date.now() + LATENCY_LEAD_MS;
    const dueAt = (index: number) => firstDue + (index * LATENCY_SPACING_MS / 2);

    // Even indexes remote, odd ones in process, created in due order.
    await createJobs(scheduler, REMOTE, LATENCY_JOBS, (index) => new Date(dueAt(2 * index)));
    await createJobs(scheduler, IN_PROCESS, LATENCY_JOBS, (index) => new Date(dueAt((2 * index) + 1)));

    const createdBy = Date.now();

    await outcomes.succeeded(2 * LATENCY_JOBS, dueAt(2 * LATENCY_JOBS) - Date.now() + GRACE_MS);

    const summarise = (taskName: string) => {
      // Only the jobs whose due time came after the last one was created: the others may have waited for their creation.
      const sorted = outcomes.results
        .filter((outcome) => outcome.taskName === taskName)
        .map(({result}) => result)
        .filter(isStart)
        .filter(({due}) => due >= createdBy)
        .map(({due, startedAt}) => startedAt - due)
        .toSorted((a, b) => a - b);

      return {
        p50Ms: round(percentile(sorted, 0.5)),
        p99Ms: round(percentile(sorted, 0.99)),
        maxMs: round(sorted.at(-1) ?? Number.NaN),
        samples: sorted.length,
        succeeded: outcomes.results.filter((outcome) => outcome.taskName === taskName).length,
      };
    };

    return {
      remote: summarise(REMOTE),
      inProcess: summarise(IN_PROCESS),
      dueBeforeCreated: Array.from({length: 2 * LATENCY_JOBS}, (_, index) => dueAt(index)).filter((due) => due < createdBy).length,
      failures: outcomes.failures(),
      settings: `${LATENCY_JOBS} one-off jobs run by ${WORKERS} worker processes (connectWorker) of concurrency ${WORKER_CONCURRENCY}, and ${LATENCY_JOBS} run by a processor in the server's process, due alternately ${LATENCY_SPACING_MS / 2} ms apart, created up front through scheduler.runTask({runAt}); the server on PostgreSQL as planton serve; lateness = Date.now() at the handler's start - job.scheduledFor (the due time)`,
    };
  } finally {
    await workers?.stop();
    await backend.close();
  }
};
