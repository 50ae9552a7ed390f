import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {SCHEDULER_MIGRATIONS} from '../scheduler/postgres/applySchedulerMigrations.ts';

/** The scheduler's migration version in `schema`: the highest applied, `0` before any (no table yet). */
export const readMigrationVersion = async ({pool, schema}: {readonly pool: DatabasePool; readonly schema: string}): Promise<number> => {
  const exists = await pool.oneFirst(sql.type(z.object({exists: z.boolean()}))`
    SELECT to_regclass(format('%I.%I', ${schema}::text, ${SCHEDULER_MIGRATIONS.table}::text)) IS NOT NULL AS exists
  `);

  if (!exists) {
    return 0;
  }

  return await pool.oneFirst(sql.type(z.object({version: z.number()}))`
    SELECT coalesce(max(version), 0)::integer AS version FROM ${sql.identifier([schema, SCHEDULER_MIGRATIONS.table])}
  `);
};
