import {randomUUID} from 'node:crypto';
import {PGlite} from '@electric-sql/pglite';
import {createPool, type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {createPgliteNotificationListener} from '../../../../src/adapters/pglite/createPgliteNotificationListener.ts';
import {createPglitePool} from '../../../../src/adapters/pglite/createPglitePool.ts';
import {createPgNotificationListener} from '../../../../src/adapters/postgres/createPgNotificationListener.ts';
import type {NotificationListener} from '../../../../src/adapters/postgres/types.ts';

export type Backend = {
  /** The server's URI (null on PGlite, which lives in this process only). */
  readonly connectionUri: string | null;
  readonly createListener: () => NotificationListener;
  readonly end: () => Promise<void>;
  readonly name: 'pglite' | 'postgres';
  readonly pool: DatabasePool;
};

export const SERVER_URL = process.env.PLANTON_TEST_DATABASE_URL ?? null;

const empty = z.object({});

const createPgliteBackend = async (): Promise<Backend> => {
  const pglite = await PGlite.create();
  const pool = await createPglitePool({pglite});

  return {
    connectionUri: null,
    createListener: () => createPgliteNotificationListener({pglite, pool}),
    end: async () => {
      await pool.end();
      await pglite.close();
    },
    name: 'pglite',
    pool,
  };
};

const createServerBackend = async (connectionUri: string): Promise<Backend> => {
  const pool = await createPool(connectionUri, {maxPoolSize: 12});

  return {
    connectionUri,
    createListener: () => createPgNotificationListener({connectionUri, reconnectDelay: () => 10}),
    end: async () => {
      await pool.end();
    },
    name: 'postgres',
    pool,
  };
};

/**
 * The backends this run covers: PGlite always (one instance per test file: it takes seconds and
 * hundreds of MB to start), the server when PLANTON_TEST_DATABASE_URL is set. Created on first use.
 */
export const createBackends = () => {
  const started: Array<Promise<Backend>> = [];
  const memo = <T>(create: () => Promise<T>) => {
    let promise: Promise<T> | null = null;

    return () => {
      promise ??= create();

      return promise;
    };
  };

  const backends: Array<{readonly get: () => Promise<Backend>; readonly name: Backend['name']}> = [
    {get: memo(async () => await track(createPgliteBackend())), name: 'pglite'},
  ];

  function track (backend: Promise<Backend>) {
    started.push(backend);

    return backend;
  }

  if (SERVER_URL) {
    const url = SERVER_URL;

    backends.push({get: memo(async () => await track(createServerBackend(url))), name: 'postgres'});
  }

  return {
    backends,
    endAll: async () => {
      await Promise.all(started.map(async (backend) => {
        await (await backend).end();
      }));
    },
  };
};

/** A fresh schema name per test, so tests run in parallel on one database. */
export const createSchemaName = () => {
  return `planton_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
};

export const dropSchema = async (pool: DatabasePool, schema: string) => {
  await pool.query(sql.type(empty)`DROP SCHEMA IF EXISTS ${sql.identifier([schema])} CASCADE`);
};

/** A table of work items `[schema].item(id, processed_count)` with `count` rows. */
export const createItems = async (pool: DatabasePool, schema: string, count: number) => {
  await pool.query(sql.type(empty)`CREATE SCHEMA IF NOT EXISTS ${sql.identifier([schema])}`);
  await pool.query(sql.type(empty)`
    CREATE TABLE ${sql.identifier([schema, 'item'])} (
      id integer PRIMARY KEY,
      processed_count integer NOT NULL DEFAULT 0
    )
  `);
  await pool.query(sql.type(empty)`INSERT INTO ${sql.identifier([schema, 'item'])} (id) SELECT generate_series(1, ${count})`);
};

/**
 * Polls `condition` until it holds: for state that only the database can tell. Waits between polls
 * with setImmediate (no wall-clock sleep), fails after `timeout` ms instead of hanging.
 */
export const eventually = async (condition: () => Promise<boolean>, timeout = 120_000): Promise<void> => {
  const deadline = Date.now() + timeout;

  while (!await condition()) {
    if (Date.now() > deadline) {
      throw new Error(`Condition not met within ${timeout} ms: ${condition.toString()}`);
    }

    await new Promise<void>((resolve) => {
      setImmediate(resolve);
    });
  }
};
