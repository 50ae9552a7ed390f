/** What bench/stores measures; each can be overridden (BENCH_STORES_*). */
import {JOB_COUNT} from '../postgres/settings.ts';

const integer = (name: string, fallback: number, minimum = 1): number => {
  const value = Number(process.env[name] ?? fallback);

  if (!Number.isInteger(value) || value < minimum) {
    throw new Error(`Expected ${name} to be an integer >= ${minimum}, got ${String(process.env[name])}.`);
  }

  return value;
};

/** Rows of the dispatch throughput scenario: bench/postgres' throughput-20000. */
export const DISPATCH_JOBS = integer('BENCH_STORES_JOBS', JOB_COUNT);

/** The latency task's concurrency: above the rows one poll can find (bench/stores/measureWakeUpLatency.ts). */
export const LATENCY_CONCURRENCY = integer('BENCH_STORES_LATENCY_CONCURRENCY', 100);

/** Due jobs the scheduler drains on each store. */
export const SCHEDULER_JOBS = integer('BENCH_STORES_SCHEDULER_JOBS', 5_000);

/**
 * Counted rounds (every store once per round, in alternating order) of the dispatch throughput,
 * which the targets judge, and of the latency and scheduler scenarios; uncounted rounds before
 * each. The defaults keep the whole run under 4 minutes on the 2-core development machine.
 */
export const ROUNDS = integer('BENCH_STORES_ROUNDS', 4);
export const LATENCY_ROUNDS = integer('BENCH_STORES_LATENCY_ROUNDS', 1);
export const SCHEDULER_ROUNDS = integer('BENCH_STORES_SCHEDULER_ROUNDS', 2);
export const WARM_UP_ROUNDS = integer('BENCH_STORES_WARMUP_ROUNDS', 0, 0);

/** A measurement that takes longer than this is reported as failed (the child is killed). */
export const CHILD_TIMEOUT_MS = 90_000;
