import type {DatabasePool} from 'slonik';
import {applyPostgresMigrations, type PostgresMigrationComponent} from './applyPostgresMigrations.ts';

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
 * start at once; createPostgresStore calls it.
 */
export const applyMigrations = async ({pool, schema}: {readonly pool: DatabasePool; readonly schema: string}): Promise<void> => {
  await applyPostgresMigrations({component: STORE_MIGRATIONS, pool, schema});
};
