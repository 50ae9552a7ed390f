import {randomUUID} from 'node:crypto';
import {createPool, type DatabasePool, type Interceptor, sql} from 'slonik';
import {z} from 'zod';
import {BENCH_URL} from './settings.ts';

export const createSchemaName = (): string => `planton_bench_scheduler_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

/** Counts the statements the pool sends (transactions' BEGIN/COMMIT are not queries to slonik, so they are counted apart). */
export type QueryCounter = {
  readonly queries: () => number;
  readonly transactions: () => number;
};

/** A pool on the benchmark database whose statements are counted. */
export const createCountingPool = async (maximumPoolSize: number): Promise<{readonly counter: QueryCounter; readonly pool: DatabasePool}> => {
  let queries = 0;
  const interceptor: Interceptor = {
    beforeQueryExecution: () => {
      queries++;

      return null;
    },
    name: 'bench-query-counter',
  };
  const pool = await createPool(BENCH_URL, {interceptors: [interceptor], maximumPoolSize});
  const originalTransaction = pool.transaction.bind(pool);
  let transactions = 0;

  // Counted around the pool's own method: slonik runs BEGIN/COMMIT below its interceptors.
  const counted: DatabasePool = {
    ...pool,
    transaction: (async (handler: Parameters<DatabasePool['transaction']>[0], retryLimit?: number) => {
      transactions++;

      return await originalTransaction(handler, retryLimit);
    }) as DatabasePool['transaction'],
  };

  return {counter: {queries: () => queries, transactions: () => transactions}, pool: counted};
};

export const dropSchema = async (pool: DatabasePool, schema: string): Promise<void> => {
  await pool.query(sql.type(z.object({}))`DROP SCHEMA IF EXISTS ${sql.identifier([schema])} CASCADE`);
};

/** The value at `fraction` (0..1) of an ascending list. */
export const percentile = (sorted: readonly number[], fraction: number): number => {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
};
