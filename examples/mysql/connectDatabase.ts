import {createPool, type Pool} from 'mysql2/promise';

export type MysqlDatabase = {
  /** Ends the pool. */
  readonly end: () => Promise<void>;
  /** Where the data lives, for the summary: the server's host. */
  readonly label: string;
  readonly pool: Pool;
};

/**
 * Connections: enough for the two tasks' claims, their processors' statements and the progress
 * queries to run side by side.
 */
const POOL_SIZE = 10;

/** `databaseUrl` when it is a mysql:// URL; throws otherwise (the example needs a server). */
export const checkDatabaseUrl = (databaseUrl: string | undefined): string => {
  if (databaseUrl === undefined || !databaseUrl.startsWith('mysql://')) {
    throw new TypeError(`Expected DATABASE_URL to be a mysql:// URL (e.g. mysql://root@127.0.0.1:3306/test), got \`${databaseUrl ?? ''}\`.`);
  }

  return databaseUrl;
};

/** A mysql2 pool on the MySQL or MariaDB server at `databaseUrl` (mysql://user:password@host:port/database). */
export const connectDatabase = ({databaseUrl: given}: {readonly databaseUrl: string | undefined}): MysqlDatabase => {
  const databaseUrl = checkDatabaseUrl(given);
  const pool = createPool({connectionLimit: POOL_SIZE, uri: databaseUrl});

  return {
    end: async () => {
      await pool.end();
    },
    label: `MySQL at ${new URL(databaseUrl).host}`,
    pool,
  };
};
