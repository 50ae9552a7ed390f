import {randomUUID} from 'node:crypto';
import test, {type ExecutionContext} from 'ava';
import {PGlite} from '@electric-sql/pglite';
import {createPool, type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {createPglitePool} from '../../../src/adapters/pglite/createPglitePool.ts';
import {createPostgresSchedulerStore} from '../../../src/scheduler/index.ts';
import type {SchedulerStoreFactory} from './createHarness.ts';

export const SERVER_URL = process.env.PLANTON_TEST_DATABASE_URL ?? null;

export const createSchemaName = () => `planton_scheduler_${randomUUID().replaceAll('-', '').slice(0, 16)}`;

export const dropSchema = async (pool: DatabasePool, schema: string) => {
  await pool.query(sql.type(z.object({}))`DROP SCHEMA IF EXISTS ${sql.identifier([schema])} CASCADE`);
};

/** Stores on one pool, each in a fresh schema that is dropped after its test. */
const createStoreFactory = (getPool: () => Promise<DatabasePool>): SchedulerStoreFactory => {
  return async () => {
    const pool = await getPool();
    const schema = createSchemaName();

    return {
      cleanup: async () => {
        await dropSchema(pool, schema);
      },
      store: await createPostgresSchedulerStore({pool, schema}),
    };
  };
};

/** One PGlite per test file (it takes seconds to start), a fresh schema per test. */
export const createPgliteStores = () => {
  let started: Promise<{readonly pglite: PGlite; readonly pool: DatabasePool}> | null = null;
  const start = () => {
    started ??= (async () => {
      const pglite = await PGlite.create();

      return {pglite, pool: await createPglitePool({pglite})};
    })();

    return started;
  };

  return {
    createStore: createStoreFactory(async () => (await start()).pool),
    end: async () => {
      if (started !== null) {
        const {pglite, pool} = await started;

        await pool.end();
        await pglite.close();
      }
    },
  };
};

export const createServerStores = (connectionUri: string) => {
  let pool: Promise<DatabasePool> | null = null;
  const getPool = () => {
    pool ??= createPool(connectionUri, {maxPoolSize: 10});

    return pool;
  };

  return {
    createStore: createStoreFactory(getPool),
    end: async () => {
      await (await pool)?.end();
    },
    getPool,
  };
};

/** A fresh schema name for the test, dropped from `pool` at its teardown. */
export const useFreshSchema = (t: ExecutionContext, pool: DatabasePool): string => {
  const schema = createSchemaName();

  t.teardown(async () => {
    await dropSchema(pool, schema);
  });

  return schema;
};

/**
 * Registers a file's tests that need the PostgreSQL server: with PLANTON_TEST_DATABASE_URL set,
 * `define` gets its URI and the file's stores (their pool ended after the file); without it, a
 * "skipped: set …" line and one skipped test titled `postgres: <skipTitle>` (a file without tests
 * fails under ava; a skipped one shows in the summary).
 */
export const defineServerSchedulerTests = (skipTitle: string, define: (server: ReturnType<typeof createServerStores> & {readonly connectionUri: string}) => void): void => {
  if (SERVER_URL === null) {
    console.log('skipped: set PLANTON_TEST_DATABASE_URL');
    test.skip(`postgres: ${skipTitle}`, () => undefined);

    return;
  }

  const stores = createServerStores(SERVER_URL);

  test.after.always(async () => {
    await stores.end();
  });

  define({...stores, connectionUri: SERVER_URL});
};
