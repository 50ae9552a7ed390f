import type {DatabaseSync} from 'node:sqlite';
import {loadSqlite} from './loadSqlite.ts';
import {StoreUnreachableError} from '../errors.ts';

export type OpenSqliteDatabaseConfiguration = {
  /** The database file (created if missing), or `':memory:'` for a private database. */
  readonly filename: string;
  /** SQLite's busy timeout (milliseconds): how long a statement waits for another connection's write lock. */
  readonly busyTimeout: number;
};

/**
 * Opens a database file for a store shared by several processes: write-ahead logging (readers never
 * wait for the writer, and commits do not rewrite the main file), `synchronous = NORMAL` (durable
 * across a process crash; WAL's usual pairing), foreign keys on, and the busy timeout. A file that
 * cannot be opened (a missing directory, no permission, not a database) rejects with
 * `STORE_UNREACHABLE` and the driver's error as `cause`, as a PostgreSQL server that cannot be
 * reached does. The caller owns the connection and closes it.
 */
export const openSqliteDatabase = ({busyTimeout, filename}: OpenSqliteDatabaseConfiguration): DatabaseSync => {
  let database: DatabaseSync | undefined;

  try {
    database = new (loadSqlite().DatabaseSync)(filename, {enableForeignKeyConstraints: true, timeout: busyTimeout});
    configureSqliteDatabase(database);

    return database;
  } catch (error) {
    if (database?.isOpen) {
      database.close();
    }

    throw new StoreUnreachableError(error);
  }
};

/**
 * The settings every connection of a store needs, for a connection the user opened: WAL (a
 * persistent property of the file; switching to it takes the write lock, so it waits the busy
 * timeout like any writer), `synchronous = NORMAL`, foreign keys on. Reading `sqlite_master` first
 * makes a file that is not a database fail here rather than in the first claim.
 */
export const configureSqliteDatabase = (database: DatabaseSync): void => {
  database.exec('PRAGMA foreign_keys = ON');
  database.prepare('SELECT count(*) FROM sqlite_master').get();

  const {journal_mode: journalMode} = database.prepare('PRAGMA journal_mode').get() as {readonly journal_mode: string};

  if (journalMode !== 'wal' && journalMode !== 'memory') {
    database.exec('PRAGMA journal_mode = WAL');
  }

  database.exec('PRAGMA synchronous = NORMAL');
};
