import {createHash} from 'node:crypto';
import type {Pool, RowDataPacket} from 'mysql2/promise';
import {InvalidStoreConfigurationError, StoreUnreachableError} from '../errors.ts';
import {applyMysqlMigrations} from './applyMysqlMigrations.ts';
import {isMysqlConnectionError} from './isMysqlConnectionError.ts';

/** The GET_LOCK name of the store's migrations in one database with one prefix (at most 64 characters). */
const getMigrationLockName = (database: string, tablePrefix: string): string => {
  return `planton:store:${createHash('sha256').update(`${database}.${tablePrefix}`).digest('hex').slice(0, 40)}`;
};

/**
 * The store's first queries: resolves its database (`database`, else the pool's current one) and
 * applies the store's migrations (migrations/mysql/store/) there, with `tablePrefix`, under
 * GET_LOCK. A server that cannot be reached as configured (a closed port, a login refused, no
 * such database) rejects with STORE_UNREACHABLE, the driver's error as `cause`. Resolves with the database.
 */
export const migrateMysqlStore = async ({database, pool, tablePrefix}: {readonly database: string | null; readonly pool: Pool; readonly tablePrefix: string}): Promise<string> => {
  try {
    const [rows] = await pool.query<RowDataPacket[]>('SELECT DATABASE() AS name');
    const resolved = database ?? (rows[0]?.name as string | null | undefined) ?? null;

    if (resolved === null) {
      throw new InvalidStoreConfigurationError('database', 'Expected `database`, or a pool whose connections have a current database (a database in its URL), got neither.');
    }

    await applyMysqlMigrations({component: 'store', database: resolved, lockName: getMigrationLockName(resolved, tablePrefix), pool, table: 'store_migration', tablePrefix});

    return resolved;
  } catch (error) {
    throw isMysqlConnectionError(error) ? new StoreUnreachableError(error) : error;
  }
};
