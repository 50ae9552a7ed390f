import {PGlite} from '@electric-sql/pglite';
import {createPool, type DatabasePool} from 'slonik';
import {createPgliteNotificationListener} from '../../src/adapters/pglite/createPgliteNotificationListener.ts';
import {createPglitePool} from '../../src/adapters/pglite/createPglitePool.ts';
import {createPgNotificationListener} from '../../src/adapters/postgres/createPgNotificationListener.ts';
import type {NotificationListener} from '../../src/adapters/postgres/types.ts';

export type Database = {
  /** Closes the listener, the pool and (on PGlite) the embedded database. */
  readonly end: () => Promise<void>;
  /** Where the data lives, for the summary: "PGlite (in memory)" or the server's host and database. */
  readonly label: string;
  readonly listener: NotificationListener;
  readonly name: 'pglite' | 'postgres';
  readonly pool: DatabasePool;
};

/**
 * Server connections: enough for the two tasks' claims, their processors' transactions and the
 * progress queries to run side by side.
 */
const SERVER_POOL_SIZE = 10;

const describeServer = (databaseUrl: string): string => {
  const url = new URL(databaseUrl);

  return `PostgreSQL at ${url.host}${url.pathname}`;
};

/**
 * A slonik pool and a notification listener: on the server at `databaseUrl` when given, else on
 * an in-process PGlite in memory (one session: one connection, nothing written to disk).
 */
export const connectDatabase = async ({databaseUrl}: {readonly databaseUrl: string | undefined}): Promise<Database> => {
  if (databaseUrl) {
    const pool = await createPool(databaseUrl, {maxPoolSize: SERVER_POOL_SIZE});
    const listener = createPgNotificationListener({applicationName: 'planton-example-listener', connectionUri: databaseUrl});

    return {
      end: async () => {
        await listener.terminate();
        await pool.end();
      },
      label: describeServer(databaseUrl),
      listener,
      name: 'postgres',
      pool,
    };
  }

  const pglite = await PGlite.create();
  const pool = await createPglitePool({pglite});
  const listener = createPgliteNotificationListener({pglite, pool});

  return {
    end: async () => {
      await listener.terminate();
      await pool.end();
      await pglite.close();
    },
    label: 'PGlite (in memory)',
    listener,
    name: 'pglite',
    pool,
  };
};
