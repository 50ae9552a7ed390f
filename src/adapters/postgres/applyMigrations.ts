import type {DatabasePool} from 'slonik';
import {StoreUnreachableError} from '../errors.ts';
import {applyPostgresMigrations, type PostgresMigrationComponent} from './applyPostgresMigrations.ts';
import {isConnectionError} from './isConnectionError.ts';

/**
 * The store's migrations: migrations/postgres/store/, recorded in `<schema>.planton_migration`
 * under the advisory lock ('plan' in ASCII, hashtext(schema)) that earlier releases took as well.
 */
export const STORE_MIGRATIONS: PostgresMigrationComponent = {
  lockKey: 0x70_6C_61_6E,
  name: 'store',
  table: 'planton_migration',
};

/**
 * Applies the store's missing migrations into `schema` (created if needed): the tables
 * `maintenance_task`, `maintenance_task_execution` and their functions. Any number of processes may
 * start at once; createPostgresStore calls it: they are its first queries, so a database that cannot
 * be reached as configured (a wrong address, role or database) rejects here, as
 * `STORE_UNREACHABLE` with the driver's error as `cause`.
 */
export const applyMigrations = async ({pool, schema}: {readonly pool: DatabasePool; readonly schema: string}): Promise<void> => {
  try {
    await applyPostgresMigrations({component: STORE_MIGRATIONS, pool, schema});
  } catch (error) {
    throw isConnectionError(error) ? new StoreUnreachableError(error) : error;
  }
};
