import {performance} from 'node:perf_hooks';
import {sql} from 'slonik';
import {z} from 'zod';
import {createPostgresSchedulerStore, createScheduler} from '../../src/scheduler/index.ts';
import {createCountingPool, dropSchema} from './database.ts';
import {THROUGHPUT_CONCURRENCY, THROUGHPUT_JOBS, THROUGHPUT_LIMIT_MS, THROUGHPUT_POOL_SIZE, THROUGHPUT_TASKS} from './settings.ts';

/**
 * Drains `THROUGHPUT_JOBS` due jobs through one scheduler on the local PostgreSQL: `THROUGHPUT_TASKS`
 * tasks (one-shots a day ahead, concurrency `THROUGHPUT_CONCURRENCY`), each with its share of jobs
 * already due (SCHEDULED rows inserted into `scheduled_job` in one statement, as the scheduler's own
 * materialisation would leave them), and a no-op processor. Timed from the first `addProcessor` to
 * the last `succeeded` event (the job's DONE row written): claim, processor, finish — per job.
 */
export const measure = async (schema: string): Promise<Record<string, unknown>> => {
  const {counter, pool} = await createCountingPool(THROUGHPUT_POOL_SIZE);

  try {
    // No processor yet while the rows are inserted: a long grace keeps the rounds from postponing them.
    const scheduler = await createScheduler({noProcessorGrace: 3_600_000, store: await createPostgresSchedulerStore({pool, schema})});
    const names = Array.from({length: THROUGHPUT_TASKS}, (_, index) => `drain-${index}`);

    for (const name of names) {
      await scheduler.schedule({concurrency: THROUGHPUT_CONCURRENCY, name, schedule: {date: new Date(Date.now() + 86_400_000)}, timeout: 60_000});
    }

    const due = Date.now() - 60_000;

    await pool.query(sql.type(z.object({}))`
      INSERT INTO ${sql.identifier([schema, 'scheduled_job'])} (task_name, scheduled_for, run_at, slot_count, state, created_at)
      SELECT 'drain-' || (n % ${THROUGHPUT_TASKS}), to_timestamp((${due}::float8 - n) / 1000), to_timestamp((${due}::float8 - n) / 1000), 1, 'SCHEDULED', now()
      FROM generate_series(1, ${THROUGHPUT_JOBS}) AS n
    `);
    await pool.query(sql.type(z.object({}))`ANALYZE ${sql.identifier([schema, 'scheduled_job'])}`);

    let succeeded = 0;
    let counted = 0;
    let queries = 0;
    let transactions = 0;
    let lastAt = 0;
    let resolveDone: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });

    const queriesBefore = counter.queries();
    const transactionsBefore = counter.transactions();

    /** Freezes the figures: at the last job, or when time is up. */
    const stop = () => {
      if (lastAt === 0) {
        lastAt = performance.now();
        counted = succeeded;
        queries = counter.queries() - queriesBefore;
        transactions = counter.transactions() - transactionsBefore;
        resolveDone();
      }
    };

    scheduler.events.on('succeeded', () => {
      succeeded++;

      if (succeeded === THROUGHPUT_JOBS) {
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

    return {
      jobsPerSecond: Math.round(counted / (elapsed / 1_000)),
      jobs: counted,
      drained: counted === THROUGHPUT_JOBS,
      elapsedMs: Math.round(elapsed),
      queriesPerJob: Math.round((queries / Math.max(1, counted)) * 1000) / 1000,
      transactionsPerJob: Math.round((transactions / Math.max(1, counted)) * 1000) / 1000,
      settings: `${THROUGHPUT_JOBS} due jobs (SCHEDULED rows inserted up front) over ${THROUGHPUT_TASKS} tasks of concurrency ${THROUGHPUT_CONCURRENCY}, no-op processor, one scheduler, pool ${THROUGHPUT_POOL_SIZE}; timed from addProcessor to the last 'succeeded' event`,
    };
  } finally {
    await dropSchema(pool, schema);
    await pool.end();
  }
};
