import {createHash} from 'node:crypto';
import type {Pool} from 'mysql2/promise';
import {applyMysqlMigrations} from '../../adapters/mysql/applyMysqlMigrations.ts';
import {createMysqlSchedulerTables} from './createMysqlSchedulerTables.ts';

export type ApplyMysqlSchedulerMigrationsConfiguration = {
  /**
   * The database holding the tables, created if missing.
   * @default null: the pool's current database
   */
  readonly database?: string | null;
  /** A mysql2/promise pool; one of its connections is held while migrating. */
  readonly pool: Pool;
  /**
   * Put before each table name, as `createMysqlSchedulerStore` takes it.
   * @default 'planton_'
   */
  readonly tablePrefix?: string;
};

/**
 * Applies the scheduler's missing migrations (migrations/mysql/scheduler/) to the tables under
 * `tablePrefix` in `database`, recorded in `<tablePrefix>scheduler_migration`: what
 * `createMysqlSchedulerStore` does at start unless `migrate: false`. Serialized by a GET_LOCK lock
 * named after the database and prefix, apart from the dispatch store's: either may be used without
 * the other, with the same prefix or another. Any number of processes may start at once: one
 * applies, the others wait and find it done.
 */
export const applyMysqlSchedulerMigrations = async ({database = null, pool, tablePrefix = 'planton_'}: ApplyMysqlSchedulerMigrationsConfiguration): Promise<void> => {
  // Validates both: they become identifiers.
  createMysqlSchedulerTables({database, prefix: tablePrefix});

  // GET_LOCK names are server-wide and at most 64 characters: a hash of what the tables are called.
  const tables = createHash('sha256').update(`${database ?? ''}\u0000${tablePrefix}`).digest('hex').slice(0, 40);

  await applyMysqlMigrations({
    component: 'scheduler',
    database,
    lockName: `planton:scheduler:${tables}`,
    pool,
    table: 'scheduler_migration',
    tablePrefix,
  });
};
