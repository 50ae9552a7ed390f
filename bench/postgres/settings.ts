/** What every system is measured on, so the figures compare. */
export const BENCH_URL = process.env.PLANTON_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Rows (jobs) of the throughput scenario. */
export const JOB_COUNT = 20_000;

/** Rows inserted one at a time in the latency scenario, after `LATENCY_WARMUP` uncounted ones. */
export const LATENCY_SAMPLES = 200;
export const LATENCY_WARMUP = 20;
export const LATENCY_INTERVAL_MS = 20;

/** A measurement that takes longer than this is reported as failed (the child is killed). */
export const CHILD_TIMEOUT_MS = 90_000;
