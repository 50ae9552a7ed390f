import type {DatabasePool} from 'slonik';
import {applyPostgresMigrations, type PostgresMigrationComponent} from '../../adapters/postgres/applyPostgresMigrations.ts';

/**
 * The scheduler's migrations: migrations/postgres/scheduler/, recorded in
 * `<schema>.planton_scheduler_migration` under the advisory lock ('schd' in ASCII, hashtext(schema))
 * that earlier releases took as well. A sequence of their own, apart from the store's: either may be
 * used without the other, in the same schema or another.
 */
export const SCHEDULER_MIGRATIONS: PostgresMigrationComponent = {
  lockKey: 0x73_63_68_64,
  name: 'scheduler',
  table: 'planton_scheduler_migration',
};

/**
 * Applies the scheduler's missing migrations into `schema` (created if needed): `scheduled_task`,
 * `scheduled_job` (unique (task_name, scheduled_for) among its `'SLOT'` jobs: one job per slot) and `scheduled_job_log`.
 * Any number of processes may start at once. A schema created by earlier releases (the same tables,
 * no migrations table) is adopted as version 1.
 */
export const applySchedulerMigrations = async ({pool, schema}: {readonly pool: DatabasePool; readonly schema: string}): Promise<void> => {
  await applyPostgresMigrations({component: SCHEDULER_MIGRATIONS, pool, schema});
};
