import {performance} from 'node:perf_hooks';
import {createPostgresSchedulerStore, createScheduler, parseScheduledTask} from '../../src/scheduler/index.ts';
import {toStoredRetryPolicy} from '../../src/scheduler/toStoredRetryPolicy.ts';
import {createCountingPool, dropSchema, percentile} from './database.ts';
import {PRECISION_POOL_SIZE, PRECISION_SCHEDULES, PRECISION_SECONDS, PRECISION_WARMUP_SECONDS} from './settings.ts';

const sleep = async (milliseconds: number) => {
  await new Promise((resolve) => {
    setTimeout(resolve, milliseconds);
  });
};

/**
 * `PRECISION_SCHEDULES` crons `* * * * * *` (every second), concurrency 1, no-op processors, one
 * scheduler on the local PostgreSQL. Counted: the slots of a `PRECISION_SECONDS` window that opens
 * `PRECISION_WARMUP_SECONDS` after the last schedule is registered. Every job whose processor starts
 * in the window counts: its lateness is `Date.now()` in the processor − `scheduledFor` (the oldest
 * slot it stands for). `windowSlotsStarted` against `expectedSlots` says how many of the window's
 * slots got their own job on time-ish (started by two seconds after the window).
 */
export const measure = async (schema: string): Promise<Record<string, unknown>> => {
  const {counter, pool} = await createCountingPool(PRECISION_POOL_SIZE);

  try {
    const store = await createPostgresSchedulerStore({pool, schema});
    const names = Array.from({length: PRECISION_SCHEDULES}, (_, index) => `every-second-${index}`);
    const parsed = parseScheduledTask({schedule: '* * * * * *', timeout: 10_000});
    const registrationStartedAt = performance.now();

    // Stored through the store, ten at a time, before any scheduler runs, so that the scheduler starts
    // with all 1,000 tasks (its first round plans them together) and registration is timed apart.
    for (let index = 0; index < names.length; index += 10) {
      await Promise.all(names.slice(index, index + 10).map(async (name) => {
        await store.saveTask({
          now: Date.now(),
          task: {concurrency: 1, misfire: parsed.misfire, name, payload: null, retry: toStoredRetryPolicy(parsed.retry), schedule: parsed.schedule, timeout: parsed.timeout},
        });
      }));
    }

    const scheduler = await createScheduler({store});
    const lateness: number[] = [];
    const seen = new Set<string>();
    let duplicates = 0;
    let slotsStarted = 0;
    let windowSlotsStarted = 0;
    let windowFrom = Number.POSITIVE_INFINITY;
    let windowTo = Number.POSITIVE_INFINITY;

    for (const name of names) {
      // An async processor: its promise settling is what ends the job (DONE).
      scheduler.addProcessor(name, async (job) => {
        const startedAt = Date.now();
        const slot = job.scheduledFor.getTime();
        const key = `${job.taskName}@${slot}`;

        if (seen.has(key)) {
          duplicates++;
        }

        seen.add(key);

        if (startedAt >= windowFrom && startedAt < windowTo) {
          lateness.push(startedAt - slot);
          slotsStarted += job.slotCount;
        }

        if (slot >= windowFrom && slot < windowTo) {
          windowSlotsStarted++;
        }
      });
    }

    const registrationMs = Math.round(performance.now() - registrationStartedAt);

    // Whole seconds: every cron slot of the window is counted.
    windowFrom = Math.ceil((Date.now() + (PRECISION_WARMUP_SECONDS * 1_000)) / 1_000) * 1_000;
    windowTo = windowFrom + (PRECISION_SECONDS * 1_000);

    await sleep(windowFrom - Date.now());

    const queriesBefore = counter.queries();
    const transactionsBefore = counter.transactions();

    await sleep(windowTo - Date.now());

    const queries = counter.queries() - queriesBefore;
    const transactions = counter.transactions() - transactionsBefore;

    await sleep(2_000);
    await scheduler.terminate();

    const sorted = lateness.toSorted((a, b) => a - b);
    const expected = PRECISION_SCHEDULES * PRECISION_SECONDS;

    return {
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      maxMs: sorted.at(-1) ?? null,
      // Jobs started in the window; under misfire 'once' a task that fell behind runs one job for all its due slots.
      jobs: sorted.length,
      slotsStarted,
      expectedSlots: expected,
      // Slots of the window whose own job had started two seconds after the window closed.
      windowSlotsStarted,
      duplicates,
      // Statements (and, apart, transactions: BEGIN + COMMIT each) sent in the window, per job started in it.
      queriesPerJob: Math.round((queries / Math.max(1, sorted.length)) * 1000) / 1000,
      transactionsPerJob: Math.round((transactions / Math.max(1, sorted.length)) * 1000) / 1000,
      registrationMs,
      settings: `${PRECISION_SCHEDULES} crons '* * * * * *' (concurrency 1, no-op async processor, stored via store.saveTask), one scheduler, pool ${PRECISION_POOL_SIZE}, ${PRECISION_SECONDS} s window after ${PRECISION_WARMUP_SECONDS} s warm-up; lateness = processor start - scheduledFor, over jobs started in the window`,
    };
  } finally {
    await dropSchema(pool, schema);
    await pool.end();
  }
};
