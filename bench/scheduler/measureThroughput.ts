import {performance} from 'node:perf_hooks';
import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {createPostgresSchedulerStore, createScheduler} from '../../src/scheduler/index.ts';
import type {SchedulerTarget} from '../stores/types.ts';
import {createCountingPool, dropSchema} from './database.ts';
import {THROUGHPUT_CONCURRENCY, THROUGHPUT_JOBS, THROUGHPUT_LIMIT_MS, THROUGHPUT_POOL_SIZE, THROUGHPUT_TASKS} from './settings.ts';

/**
 * Drains `jobs` due jobs through one scheduler on `target`'s store (bench/scheduler runs it on the
 * local PostgreSQL, bench/stores on every scheduler store): `THROUGHPUT_TASKS` tasks (one-shots a
 * day ahead, concurrency `THROUGHPUT_CONCURRENCY`), each with its share of jobs already due
 * (SCHEDULED rows inserted into `scheduled_job` up front, as the scheduler's own materialisation
 * would leave them), and a no-op processor. Timed from the first `addProcessor` to the last
 * `succeeded` event (the job's DONE row written): claim, processor, finish — per job.
 */
export const measureSchedulerThroughput = async (target: SchedulerTarget, jobs: number): Promise<Record<string, unknown>> => {
  const {counter} = target;
  // No processor yet while the rows are inserted: a long grace keeps the rounds from postponing them.
  const scheduler = await createScheduler({noProcessorGrace: 3_600_000, store: target.store});
  const names = Array.from({length: THROUGHPUT_TASKS}, (_, index) => `drain-${index}`);

  for (const name of names) {
    await scheduler.schedule({concurrency: THROUGHPUT_CONCURRENCY, name, schedule: {date: new Date(Date.now() + 86_400_000)}, timeout: 60_000});
  }

  await target.insertDueJobs({count: jobs, due: Date.now() - 60_000, taskNames: names});

  let succeeded = 0;
  let counted = 0;
  let queries = 0;
  let transactions = 0;
  let lastAt = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  const queriesBefore = counter?.queries() ?? 0;
  const transactionsBefore = counter?.transactions() ?? 0;

  /** Freezes the figures: at the last job, or when time is up. */
  const stop = () => {
    if (lastAt === 0) {
      lastAt = performance.now();
      counted = succeeded;
      queries = (counter?.queries() ?? 0) - queriesBefore;
      transactions = (counter?.transactions() ?? 0) - transactionsBefore;
      resolveDone();
    }
  };

  scheduler.events.on('succeeded', () => {
    succeeded++;

    if (succeeded === jobs) {
      stop();
    }
  });

  const startedAt = performance.now();

  for (const name of names) {
    // An async no-op: its promise settling ends the job (as a synchronous processor returning would).
    scheduler.addProcessor(name, async () => {});
  }

  const limit = setTimeout(stop, THROUGHPUT_LIMIT_MS);

  await done;
  clearTimeout(limit);

  const elapsed = lastAt - startedAt;

  await scheduler.terminate();

  const perJob = (count: number) => counter === null ? null : Math.round((count / Math.max(1, counted)) * 1000) / 1000;

  return {
    jobsPerSecond: Math.round(counted / (elapsed / 1_000)),
    jobs: counted,
    drained: counted === jobs,
    elapsedMs: Math.round(elapsed),
    queriesPerJob: perJob(queries),
    transactionsPerJob: perJob(transactions),
    settings: `${jobs} due jobs (SCHEDULED rows inserted up front) over ${THROUGHPUT_TASKS} tasks of concurrency ${THROUGHPUT_CONCURRENCY}, no-op processor, one scheduler, ${target.settings}; timed from addProcessor to the last 'succeeded' event`,
  };
};

/** Fills a PostgreSQL scheduler store's `scheduled_job` (server or PGlite) with due jobs in one statement. */
export const insertPostgresDueJobs = async (pool: DatabasePool, schema: string, {count, due, taskNames}: Parameters<SchedulerTarget['insertDueJobs']>[0]): Promise<void> => {
  await pool.query(sql.type(z.object({}))`
    INSERT INTO ${sql.identifier([schema, 'scheduled_job'])} (task_name, scheduled_for, run_at, slot_count, state, created_at)
    SELECT 'drain-' || (n % ${taskNames.length}), to_timestamp((${due}::float8 - n) / 1000), to_timestamp((${due}::float8 - n) / 1000), 1, 'SCHEDULED', now()
    FROM generate_series(1, ${count}) AS n
  `);
  await pool.query(sql.type(z.object({}))`ANALYZE ${sql.identifier([schema, 'scheduled_job'])}`);
};

export const measure = async (schema: string): Promise<Record<string, unknown>> => {
  const {counter, pool} = await createCountingPool(THROUGHPUT_POOL_SIZE);

  try {
    return await measureSchedulerThroughput({
      counter,
      insertDueJobs: async (configuration) => {
        await insertPostgresDueJobs(pool, schema, configuration);
      },
      settings: `pool ${THROUGHPUT_POOL_SIZE}`,
      store: await createPostgresSchedulerStore({pool, schema}),
    }, THROUGHPUT_JOBS);
  } finally {
    await dropSchema(pool, schema);
    await pool.end();
  }
};
