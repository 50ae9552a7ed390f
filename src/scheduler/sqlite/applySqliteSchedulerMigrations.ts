import type {DatabaseSync} from 'node:sqlite';
import {applySqliteMigrations, type SqliteMigrationComponent} from '../../adapters/sqlite/applySqliteMigrations.ts';

/**
 * The scheduler's migrations on SQLite: migrations/sqlite/scheduler/, recorded in
 * `<tablePrefix>scheduler_migration`. A sequence of their own, apart from the dispatch store's:
 * either may be used without the other, in the same file or another.
 */
export const SQLITE_SCHEDULER_MIGRATIONS: SqliteMigrationComponent = {
  name: 'scheduler',
  table: 'scheduler_migration',
};

/**
 * Applies the scheduler's missing migrations to the file under SQLite's write lock (`BEGIN
 * IMMEDIATE`): `<tablePrefix>scheduled_task`, `<tablePrefix>scheduled_job` (a unique index on
 * (task_name, scheduled_for) over its `'SLOT'` jobs: one job per slot) and
 * `<tablePrefix>scheduled_job_log`. Any number of processes may start at once: one applies, the
 * others wait for the lock (up to the connection's busy timeout) and find it done.
 */
export const applySqliteSchedulerMigrations = async ({database, tablePrefix}: {readonly database: DatabaseSync; readonly tablePrefix: string}): Promise<void> => {
  await applySqliteMigrations({component: SQLITE_SCHEDULER_MIGRATIONS, database, tablePrefix});
};
