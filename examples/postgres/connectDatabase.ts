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

/** A `resetConnection` that leaves the session as it is. */
const keepSession = async () => {
  // Nothing to reset: see connectDatabase.
};

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
    const pool = await createPool(databaseUrl, {
      maxPoolSize: SERVER_POOL_SIZE,
      // slonik's default runs DISCARD ALL when a connection goes back to the pool, which drops the
      // store's prepared statements (and costs a round trip). This pool's users set no session
      // state (no SET without LOCAL, no temporary tables), so there is nothing to reset.
      resetConnection: keepSession,
    });
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
