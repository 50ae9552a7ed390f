import {createHash} from 'node:crypto';
import type {Pool} from 'mysql2/promise';
import {applyMysqlMigrations} from '../../adapters/mysql/applyMysqlMigrations.ts';

/**
 * Applies the scheduler's missing migrations (migrations/mysql/scheduler/) to the tables under
 * `tablePrefix` in `database` (the pool's current one when `null`; created if missing), recorded in
 * `<tablePrefix>scheduler_migration`. Serialized by a GET_LOCK lock named after the database and
 * prefix, apart from the dispatch store's: either may be used without the other, with the same
 * prefix or another. Any number of processes may start at once: one applies, the others wait and
 * find it done. `database` and `tablePrefix` are validated by the caller (createMysqlSchedulerTables).
 */
export const applyMysqlSchedulerMigrations = async ({database, pool, tablePrefix}: {readonly database: string | null; readonly pool: Pool; readonly tablePrefix: string}): Promise<void> => {
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
