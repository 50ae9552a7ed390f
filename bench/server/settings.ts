/** What the server benchmark measures on; each can be overridden (PLANTON_BENCH_DATABASE_URL / BENCH_SERVER_*). */
export const BENCH_URL = process.env.PLANTON_BENCH_DATABASE_URL ?? process.env.PLANTON_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const integer = (name: string, fallback: number, minimum = 1): number => {
  const value = Number(process.env[name] ?? fallback);

  if (!Number.isInteger(value) || value < minimum) {
    throw new Error(`Expected ${name} to be an integer >= ${minimum}, got ${String(process.env[name])}.`);
  }

  return value;
};

/** The bearer token (role admin) of the measured server: every request and every worker sends it. */
export const TOKEN = 'bench-server-token-0123456789abcdef';
/** The workers' token (role worker). */
export const WORKER_TOKEN = 'bench-server-worker-0123456789abcdef';

/** HTTP: seconds of load per backend, connections (keep-alive, no pipelining) of the load generator. */
export const HTTP_SECONDS = integer('BENCH_SERVER_HTTP_SECONDS', 5);
export const HTTP_CONNECTIONS = integer('BENCH_SERVER_HTTP_CONNECTIONS', 10);
/** `BENCH_SERVER_PGLITE=0` leaves PGlite out of the HTTP scenario. */
export const HTTP_PGLITE = process.env.BENCH_SERVER_PGLITE !== '0';

/** Throughput: one-off jobs drained, by `WORKERS` worker processes of `WORKER_CONCURRENCY` each (the in-process task gets the same total). */
export const THROUGHPUT_JOBS = integer('BENCH_SERVER_JOBS', 2_000);
export const WORKERS = integer('BENCH_SERVER_WORKERS', 4);
export const WORKER_CONCURRENCY = integer('BENCH_SERVER_WORKER_CONCURRENCY', 50);
/** Rounds of remote against in-process, alternating (ABBA), after uncounted warm-up rounds. */
export const THROUGHPUT_ROUNDS = integer('BENCH_SERVER_ROUNDS', 4);
export const WARM_UP_ROUNDS = integer('BENCH_SERVER_WARMUP_ROUNDS', 0, 0);

/** Latency: jobs of each side due `LATENCY_SPACING_MS` apart (the sides alternate), the first `LATENCY_LEAD_MS` after the processors are in place. */
export const LATENCY_JOBS = integer('BENCH_SERVER_LATENCY_JOBS', 200);
export const LATENCY_SPACING_MS = integer('BENCH_SERVER_LATENCY_SPACING_MS', 20);
export const LATENCY_LEAD_MS = integer('BENCH_SERVER_LATENCY_LEAD_MS', 4_000);

/** A measurement that takes longer than this is reported as failed (its processes are killed). */
export const CHILD_TIMEOUT_MS = 120_000;
