/**
 * The sinks benchmark's settings, all from the environment (BENCH_SINKS_*), and the service URLs
 * (PLANTON_BENCH_*_URL, else the PLANTON_TEST_*_URL the test suites use). A system whose service
 * has no URL is skipped with a line saying which variable to set.
 */
const integer = (name: string, fallback: number, minimum = 1): number => {
  const value = Number(process.env[name] ?? fallback);

  if (!Number.isInteger(value) || value < minimum) {
    throw new Error(`Expected ${name} to be an integer >= ${minimum}, got ${String(process.env[name])}.`);
  }

  return value;
};

export const settings = {
  /** Instructions (jobs) per measurement. */
  jobs: integer('BENCH_SINKS_JOBS', 20_000),
  /** Interleaved rounds of every system; each line gives the median and every sample. Even, so that each of the pair's two orders runs as often. */
  rounds: integer('BENCH_SINKS_ROUNDS', 6),
  /** Rounds run before those, not counted (0 for none). */
  warmUpRounds: integer('BENCH_SINKS_WARMUP_ROUNDS', 1, 0),
  /** Jobs a worker processes at once: the same for every system. */
  workerConcurrency: integer('BENCH_SINKS_WORKER_CONCURRENCY', 1_000),
  /** Planton: claim loops (tasks) sharing the claim query. */
  tasks: integer('BENCH_SINKS_TASKS', 1),
  /** Planton: each task's concurrency (executions RUNNING at once, queued in the broker included). */
  plantonConcurrency: integer('BENCH_SINKS_PLANTON_CONCURRENCY', 20_000),
  /** Planton: most instructions one claim takes. */
  claimBatch: integer('BENCH_SINKS_CLAIM_BATCH', 1_000),
  /** Planton: slonik pool size (claims, heartbeats, completions). */
  poolSize: integer('BENCH_SINKS_POOL', 8),
  /** Planton: most completions one `completeExecutions` statement writes (the worker's batching). */
  completionBatch: integer('BENCH_SINKS_COMPLETION_BATCH', 1_000),
  /** Planton + BullMQ: `completeExecutions` statements in flight at once in the worker. */
  completionConcurrency: integer('BENCH_SINKS_COMPLETION_CONCURRENCY', 2),
  /** BullMQ direct: jobs per `addBulk`. */
  addBulkSize: integer('BENCH_SINKS_ADD_BULK', 1_000),
  /** A measurement that takes longer than this is reported as failed (the child is killed). */
  childTimeoutMs: integer('BENCH_SINKS_CHILD_TIMEOUT_MS', 180_000),
  /** Only these systems (comma-separated), e.g. `planton+bullmq,bullmq-direct`. */
  systems: process.env.BENCH_SINKS_SYSTEMS?.split(',').map((system) => system.trim()).filter(Boolean) ?? null,
} as const;

export type ServiceName = 'amqp' | 'database' | 'nats' | 'redis';

const SERVICE_VARIABLES: Record<ServiceName, readonly [string, string]> = {
  amqp: ['PLANTON_BENCH_AMQP_URL', 'PLANTON_TEST_AMQP_URL'],
  database: ['PLANTON_BENCH_DATABASE_URL', 'PLANTON_TEST_DATABASE_URL'],
  nats: ['PLANTON_BENCH_NATS_URL', 'PLANTON_TEST_NATS_URL'],
  redis: ['PLANTON_BENCH_REDIS_URL', 'PLANTON_TEST_REDIS_URL'],
};

/** The service's URL, or `null` with the variable to set. */
export const getServiceUrl = (service: ServiceName): {readonly url: string} | {readonly missing: string} => {
  const [primary, fallback] = SERVICE_VARIABLES[service];
  const url = process.env[primary] ?? process.env[fallback];

  return url === undefined || url === '' ? {missing: primary} : {url};
};

export const requireServiceUrl = (service: ServiceName): string => {
  const found = getServiceUrl(service);

  if ('missing' in found) {
    throw new Error(`Set ${found.missing}.`);
  }

  return found.url;
};
