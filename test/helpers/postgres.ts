/**
 * The PostgreSQL set-up of every test that needs a database: backends (PGlite, and the server when
 * PLANTON_TEST_DATABASE_URL is set) started on first use and ended after the file's tests, and a
 * fresh schema per test, dropped at its teardown, so tests run in parallel on one database.
 */
import {randomUUID} from 'node:crypto';
import {PGlite} from '@electric-sql/pglite';
import test from 'ava';
import {createPool, type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {createPgliteNotificationListener} from '../../src/adapters/pglite/createPgliteNotificationListener.ts';
import {createPglitePool} from '../../src/adapters/pglite/createPglitePool.ts';
import {createPgNotificationListener} from '../../src/adapters/postgres/createPgNotificationListener.ts';
import type {NotificationListener} from '../../src/adapters/postgres/types.ts';

export type Backend = {
  /** The server's URI (null on PGlite, which lives in this process only). */
  readonly connectionUri: string | null;
  readonly createListener: () => NotificationListener;
  readonly end: () => Promise<void>;
  readonly name: 'pglite' | 'postgres';
  readonly pool: DatabasePool;
};

/** A backend of the file, started by the first `get()`. */
export type BackendHandle = {
  readonly get: () => Promise<Backend>;
  readonly name: Backend['name'];
};

/** The server the tests may use (PLANTON_TEST_DATABASE_URL), or null: then they run on PGlite only. */
export const SERVER_URL = process.env.PLANTON_TEST_DATABASE_URL || null;

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

/** A backend started on the first `get()` and ended after the file's tests (if it was started). */
const startOnFirstUse = (name: Backend['name'], create: () => Promise<Backend>): BackendHandle => {
  let started: Promise<Backend> | null = null;

  test.after.always(async () => {
    if (started !== null) {
      await (await started).end();
    }
  });

  return {
    get: () => {
      started ??= create();

      return started;
    },
    name,
  };
};

/** One PGlite for the file's tests: it takes seconds and hundreds of MB to start. */
export const usePglite = (): BackendHandle => startOnFirstUse('pglite', createPgliteBackend);

/** A pool on the server at `connectionUri` for the file's tests. */
export const useServer = (connectionUri: string): BackendHandle => startOnFirstUse('postgres', async () => await createServerBackend(connectionUri));

/** The backends this run covers: PGlite always, the server when PLANTON_TEST_DATABASE_URL is set. */
export const useBackends = (): readonly BackendHandle[] => {
  return SERVER_URL === null ? [usePglite()] : [usePglite(), useServer(SERVER_URL)];
};

/** A fresh schema name, so tests run in parallel on one database. */
export const createSchemaName = () => {
  return `planton_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
};

export const dropSchema = async (pool: DatabasePool, schema: string) => {
  await pool.query(sql.type(z.object({}))`DROP SCHEMA IF EXISTS ${sql.identifier([schema])} CASCADE`);
};

/** A fresh schema name for the test, dropped from `pool` at its teardown. */
export const useFreshSchema = (t: {readonly teardown: (callback: () => Promise<void>) => void}, pool: DatabasePool): string => {
  const schema = createSchemaName();

  t.teardown(async () => {
    await dropSchema(pool, schema);
  });

  return schema;
};
