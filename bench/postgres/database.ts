/**
 * Helpers the systems share: a fresh schema per measurement, the user table the Planton and raw
 * measurements claim from, and a poll that waits for the database to show a state.
 */
import {randomUUID} from 'node:crypto';
import {setTimeout as sleep} from 'node:timers/promises';
import pg from 'pg';
import {BENCH_URL} from './settings.ts';

export const createSchemaName = (system: string): string => {
  return `bench_${system.replaceAll(/\W/gu, '_')}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
};

/** Runs `use` on a fresh connection and closes it. */
export const withClient = async <T>(use: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({connectionString: BENCH_URL});

  await client.connect();

  try {
    return await use(client);
  } finally {
    await client.end();
  }
};

export const dropSchema = async (schema: string): Promise<void> => {
  await withClient(async (client) => {
    await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(schema)} CASCADE`);
  });
};

/** `schema.item(id, claimed_at)`, `count` rows, all eligible (claimed_at IS NULL), vacuumed and analysed. */
export const createItemTable = async (schema: string, count: number): Promise<void> => {
  await withClient(async (client) => {
    const table = `${client.escapeIdentifier(schema)}.item`;

    await client.query(`CREATE SCHEMA IF NOT EXISTS ${client.escapeIdentifier(schema)}`);
    await client.query(`CREATE TABLE ${table} (id integer PRIMARY KEY, claimed_at timestamptz)`);
    await client.query(`CREATE INDEX ON ${table} (id) WHERE claimed_at IS NULL`);
    await client.query(`INSERT INTO ${table} (id) SELECT generate_series(1, $1::int)`, [count]);
    await client.query(`VACUUM ANALYZE ${table}`);
  });
};

/** Polls `query` (one connection, no pause between polls but a 1 ms one) until it returns 0. */
export const waitUntilZero = async (client: pg.Client, query: string, values: unknown[] = []): Promise<void> => {
  for (;;) {
    const {rows} = await client.query<{count: number}>(query, values);

    if (Number(rows[0]?.count) === 0) {
      return;
    }

    await sleep(1);
  }
};

export type Deferred<T> = {
  readonly promise: Promise<T>;
  readonly reject: (error: unknown) => void;
  readonly resolve: (value: T) => void;
};

export const createDeferred = <T>(): Deferred<T> => {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((resolveFunction, rejectFunction) => {
    resolve = resolveFunction;
    reject = rejectFunction;
  });

  return {promise, reject, resolve};
};

/** Nearest-rank percentile of `values` (milliseconds), rounded to 0.01 ms. */
export const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));

  return Math.round((sorted[index] ?? Number.NaN) * 100) / 100;
};
