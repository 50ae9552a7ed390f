/**
 * PostgreSQL on the server (PLANTON_BENCH_DATABASE_URL, else PLANTON_TEST_DATABASE_URL, else the
 * local server) and on PGlite (in memory, in the measuring process): the same store, claim and
 * tables through a slonik pool; a fresh schema each time, dropped (or the PGlite closed) at the end.
 */
import {PGlite} from '@electric-sql/pglite';
import pg from 'pg';
import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {createPgliteNotificationListener} from '../../../src/adapters/pglite/createPgliteNotificationListener.ts';
import {createPglitePool} from '../../../src/adapters/pglite/createPglitePool.ts';
import {createPgNotificationListener} from '../../../src/adapters/postgres/createPgNotificationListener.ts';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import type {NotificationListener} from '../../../src/adapters/postgres/types.ts';
import {createPostgresSchedulerStore} from '../../../src/scheduler/index.ts';
import {createCountingPool} from '../../scheduler/database.ts';
import {insertPostgresDueJobs} from '../../scheduler/measureThroughput.ts';
import {createBenchPool, createItemTable, dropSchema} from '../../sinks/database.ts';
import type {DispatchTarget, StoreBackend} from '../types.ts';
import {createPostgresDispatchTarget} from './postgresTarget.ts';

const SERVER_URL = process.env.PLANTON_BENCH_DATABASE_URL ?? process.env.PLANTON_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** As bench/postgres: the sizes that won its sweep. */
const POOL_SIZE = 6;
const SCHEDULER_POOL_SIZE = 10;

type Connection = {
  readonly close: () => Promise<void>;
  /** Inserts an item, committed on return, from a connection other than the store's (PGlite: its one session). */
  readonly insert: (schema: string, id: number) => Promise<void>;
  readonly listener: NotificationListener | null;
  readonly pool: DatabasePool;
  readonly settings: string;
};

const openDispatch = async (connection: Connection, {items, name: schema, wakeUps}: {readonly items: number; readonly name: string; readonly wakeUps: boolean}) => {
  const {listener, pool} = connection;

  try {
    const store = await createPostgresStore<number>({heartbeatInterval: 60_000, listener: wakeUps ? listener ?? undefined : undefined, pool, reaperInterval: 0, schema});

    await createItemTable(pool, schema, items);

    if (wakeUps) {
      await store.registerTask({name: 'items'});
      // Only inserts make work: the claim's UPDATE of claimed_at must not wake the task again.
      await store.installNotifyTrigger({columns: ['id'], table: [schema, 'item'], taskName: 'items'});
    }

    const target: DispatchTarget = createPostgresDispatchTarget({
      insert: async (id) => {
        await connection.insert(schema, id);
      },
      pool,
      schema,
      settings: wakeUps ? `${connection.settings}; wake-ups: NOTIFY (installNotifyTrigger)` : connection.settings,
      store,
    });

    return {
      ...target,
      close: async () => {
        try {
          await store.terminate();
          await dropSchema(pool, schema);
        } finally {
          await connection.close();
        }
      },
    };
  } catch (error) {
    await dropSchema(pool, schema).catch(() => undefined);
    await connection.close();
    throw error;
  }
};

const openSchedulerOn = async (schema: string, pool: DatabasePool, counter: Awaited<ReturnType<typeof createCountingPool>>['counter'] | null, settings: string, end: () => Promise<void>) => {
  return {
    close: async () => {
      try {
        await dropSchema(pool, schema);
      } finally {
        await end();
      }
    },
    counter,
    insertDueJobs: async (configuration: Parameters<typeof insertPostgresDueJobs>[2]) => {
      await insertPostgresDueJobs(pool, schema, configuration);
    },
    settings,
    store: await createPostgresSchedulerStore({pool, schema}),
  };
};

export const postgresBackend: StoreBackend = {
  openDispatch: async (configuration) => {
    const pool = await createBenchPool(SERVER_URL, POOL_SIZE);
    const listener = configuration.wakeUps ? createPgNotificationListener({connectionUri: SERVER_URL}) : null;
    const producer = configuration.wakeUps ? new pg.Client({connectionString: SERVER_URL}) : null;

    await producer?.connect();

    return await openDispatch({
      close: async () => {
        await producer?.end().catch(() => undefined);
        await listener?.terminate();
        await pool.end();
      },
      insert: async (schema, id) => {
        await producer?.query(`INSERT INTO ${pg.escapeIdentifier(schema)}.item (id) VALUES ($1)`, [id]);
      },
      listener,
      pool,
      settings: `PostgreSQL server, slonik pool ${POOL_SIZE} without DISCARD ALL`,
    }, configuration);
  },
  openScheduler: async ({name}) => {
    const {counter, pool} = await createCountingPool(SCHEDULER_POOL_SIZE);

    return await openSchedulerOn(name, pool, counter, `PostgreSQL server, slonik pool ${SCHEDULER_POOL_SIZE}`, async () => {
      await pool.end();
    });
  },
  removeLeftovers: async (name) => {
    const pool = await createBenchPool(SERVER_URL, 1);

    try {
      await dropSchema(pool, name);
    } finally {
      await pool.end();
    }
  },
};

const openPglite = async () => {
  const pglite = await PGlite.create();
  const pool = await createPglitePool({pglite});

  return {
    end: async () => {
      await pool.end();
      await pglite.close();
    },
    pglite,
    pool,
  };
};

export const pgliteBackend: StoreBackend = {
  openDispatch: async (configuration) => {
    const {end, pglite, pool} = await openPglite();
    const listener = createPgliteNotificationListener({pglite, pool});

    return await openDispatch({
      close: async () => {
        await listener.terminate();
        await end();
      },
      // PGlite is one session in this process: the insert goes through the same pool.
      insert: async (schema, id) => {
        await pool.query(sql.type(z.object({}))`INSERT INTO ${sql.identifier([schema, 'item'])} (id) VALUES (${id})`);
      },
      listener,
      pool,
      settings: 'PGlite in memory, in the measuring process, createPglitePool (one session)',
    }, configuration);
  },
  openScheduler: async ({name}) => {
    const {end, pool} = await openPglite();

    return await openSchedulerOn(name, pool, null, 'PGlite in memory, createPglitePool (one session)', end);
  },
  removeLeftovers: async () => {
    // In memory: nothing outlives the process.
  },
};
