/** What the throughput and latency measurements share: creating one-off jobs, and waiting for them to succeed. */
import {randomUUID} from 'node:crypto';
import pg from 'pg';
import type {Scheduler} from '../../src/scheduler/index.ts';
import {BENCH_URL} from './settings.ts';

/** How many `runTask` calls are in flight at once while jobs are created. */
const CREATE_CONCURRENCY = 8;

export const createSchemaName = (): string => `planton_bench_server_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

/** The value at `fraction` (0..1) of an ascending list. */
export const percentile = (sorted: readonly number[], fraction: number): number => {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
};

/** A one-shot task a day ahead (its own slot never comes during the run), whose one-off jobs are measured. */
export const scheduleTask = async (scheduler: Scheduler, name: string, concurrency: number): Promise<void> => {
  await scheduler.schedule({concurrency, name, schedule: {date: new Date(Date.now() + 86_400_000)}, timeout: 60_000});
};

/** Creates `count` one-off jobs of `task` through `scheduler.runTask` (as the HTTP route does), the `index`-th due at `runAt(index)`. */
export const createJobs = async (scheduler: Scheduler, task: string, count: number, runAt: (index: number) => Date | undefined): Promise<void> => {
  let next = 0;

  await Promise.all(Array.from({length: CREATE_CONCURRENCY}, async () => {
    while (next < count) {
      const at = runAt(next++);

      await scheduler.runTask(task, at === undefined ? {} : {runAt: at});
    }
  }));
};

/**
 * Inserts `count` one-off jobs of `task`, due a minute ago, in one statement: the rows
 * `scheduler.runTask` would leave (src/scheduler/postgres/queries/jobQueries.ts, `insertOneOffJob`),
 * without its claim round after each (which would make creating them take longer than draining them).
 */
export const insertDueJobs = async (schema: string, task: string, count: number): Promise<void> => {
  const client = new pg.Client({connectionString: BENCH_URL});
  const table = (name: string) => `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`;

  await client.connect();

  try {
    await client.query(`
      INSERT INTO ${table('scheduled_job')} (task_name, kind, scheduled_for, run_at, slot_count, state, payload, created_at)
      SELECT t.name, 'ONE_OFF', now() - interval '1 minute', now() - interval '1 minute', 1, 'SCHEDULED', t.payload, now()
      FROM ${table('scheduled_task')} t, generate_series(1, $2::int)
      WHERE t.name = $1
    `, [task, count]);
    await client.query(`ANALYZE ${table('scheduled_job')}`);
  } finally {
    await client.end();
  }
};

export type Outcomes = {
  /** Attempts that failed or will be tried again: a healthy run has none. */
  readonly failures: () => number;
  /** The task and `result` of each succeeded job, in the order they succeeded. */
  readonly results: ReadonlyArray<{readonly result: unknown; readonly taskName: string}>;
  /** Resolves when `count` jobs have succeeded, or after `timeout` ms (then fewer did). */
  readonly succeeded: (count: number, timeout: number) => Promise<void>;
};

/** Follows the scheduler's `succeeded`, `retry` and `failed` events from now. */
export const followOutcomes = (scheduler: Scheduler): Outcomes => {
  const results: Array<{readonly result: unknown; readonly taskName: string}> = [];
  let failures = 0;
  let waiter: {readonly count: number; readonly resolve: () => void} | null = null;

  scheduler.events.on('succeeded', ({job, result}) => {
    results.push({result, taskName: job.taskName});

    if (waiter !== null && results.length >= waiter.count) {
      waiter.resolve();
    }
  });
  scheduler.events.on('retry', () => {
    failures++;
  });
  scheduler.events.on('failed', () => {
    failures++;
  });

  return {
    failures: () => failures,
    results,
    succeeded: async (count, timeout) => {
      if (results.length >= count) {
        return;
      }

      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeout);

        waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
      waiter = null;
    },
  };
};
