/** What the scheduler benchmark measures on; each can be overridden (PLANTON_BENCH_* / BENCH_SCHEDULER_*). */
export const BENCH_URL = process.env.PLANTON_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Precision: active per-second crons, and how long they are measured (after a warm-up). */
export const PRECISION_SCHEDULES = Number(process.env.BENCH_SCHEDULER_SCHEDULES ?? 1_000);
export const PRECISION_SECONDS = Number(process.env.BENCH_SCHEDULER_SECONDS ?? 30);
export const PRECISION_WARMUP_SECONDS = Number(process.env.BENCH_SCHEDULER_WARMUP_SECONDS ?? 3);
export const PRECISION_POOL_SIZE = Number(process.env.BENCH_SCHEDULER_PRECISION_POOL ?? 10);

/** Throughput: due jobs drained, spread over `THROUGHPUT_TASKS` tasks of `THROUGHPUT_CONCURRENCY` each. */
export const THROUGHPUT_JOBS = Number(process.env.BENCH_SCHEDULER_JOBS ?? 20_000);
export const THROUGHPUT_TASKS = Number(process.env.BENCH_SCHEDULER_TASKS ?? 4);
export const THROUGHPUT_CONCURRENCY = Number(process.env.BENCH_SCHEDULER_CONCURRENCY ?? 1_000);
export const THROUGHPUT_POOL_SIZE = Number(process.env.BENCH_SCHEDULER_THROUGHPUT_POOL ?? 10);
/** Draining stops here even if jobs are left (then reported as `drained: false`). */
export const THROUGHPUT_LIMIT_MS = 30_000;

/** A measurement that takes longer than this is reported as failed (the child is killed). */
export const CHILD_TIMEOUT_MS = 120_000;
