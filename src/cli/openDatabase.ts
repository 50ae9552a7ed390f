import {mkdir} from 'node:fs/promises';
import {PGlite} from '@electric-sql/pglite';
import {createPool, type DatabasePool} from 'slonik';
import {createPglitePool} from '../adapters/pglite/createPglitePool.ts';
import {lockDataDirectory} from './lockDataDirectory.ts';

export type DatabaseConfiguration = {
  /** A PostgreSQL URL (`postgres://user@host:5432/db`); without one, PGlite in `dataDirectory`. */
  readonly databaseUrl?: string;
  /** Where PGlite keeps its files (created if missing). */
  readonly dataDirectory: string;
};

export type Database = {
  /** Ends the pool and, on PGlite, closes it and releases its directory. */
  readonly end: () => Promise<void>;
  /** Where the data lives, for people: `PostgreSQL at host:5432/db` (no credentials) or `PGlite in ./.planton`. */
  readonly label: string;
  readonly pool: DatabasePool;
};

/** Server connections: the scheduler's claims and writes, and the API's reads side by side. */
const SERVER_POOL_SIZE = 10;

/** A slonik pool on the PostgreSQL server at `databaseUrl`, or on PGlite kept in `dataDirectory`. */
export const openDatabase = async ({databaseUrl, dataDirectory}: DatabaseConfiguration): Promise<Database> => {
  if (databaseUrl !== undefined && databaseUrl !== '') {
    const url = new URL(databaseUrl);
    const pool = await createPool(databaseUrl, {maxPoolSize: SERVER_POOL_SIZE});

    return {
      end: async () => {
        await pool.end();
      },
      label: `PostgreSQL at ${url.host}${url.pathname}`,
      pool,
    };
  }

  await mkdir(dataDirectory, {recursive: true});

  const release = await lockDataDirectory(dataDirectory);

  try {
    const pglite = await PGlite.create({dataDir: dataDirectory});
    const pool = await createPglitePool({pglite});

    return {
      end: async () => {
        try {
          await pool.end();
          await pglite.close();
        } finally {
          await release();
        }
      },
      label: `PGlite in ${dataDirectory}`,
      pool,
    };
  } catch (error) {
    await release();

    throw error;
  }
};
