/** Queries on `scheduled_job_log`: an attempt's log lines and progress. */
import {type CommonQueryMethods, sql} from 'slonik';
import type {JobLogEntry} from '../../recordTypes.ts';
import type {SchedulerTables} from '../createSchedulerTables.ts';
import {at, empty, milliseconds, row} from './rows.ts';

export const recordLog = async (
  connection: CommonQueryMethods,
  tables: SchedulerTables,
  {attempt, id, message, now, progress, step}: {readonly attempt: number; readonly id: number; readonly message: string | null; readonly now: number; readonly progress: number | null; readonly step: string | null},
): Promise<boolean> => {
  // The UPDATE runs whether or not the INSERT reads it (a data-modifying CTE always runs once).
  const result = await connection.query(sql.type(empty)`
    WITH running AS (
      UPDATE ${tables.job} SET progress = COALESCE(${progress}::float8, progress), step = COALESCE(${step}::text, step)
      WHERE id = ${id} AND state = 'RUNNING' AND attempt = ${attempt}
    )
    INSERT INTO ${tables.log} (job_id, attempt, created_at, message, progress, step)
    SELECT id, ${attempt}, ${at(now)}, ${message}::text, ${progress}::float8, ${step}::text FROM ${tables.job}
    WHERE id = ${id} AND attempt >= ${attempt}
  `);

  return result.rowCount > 0;
};

export const selectJobLogs = async (connection: CommonQueryMethods, tables: SchedulerTables, id: number): Promise<readonly JobLogEntry[]> => {
  const rows = await connection.any(sql.type(row)`
    SELECT attempt, message, progress, step, round(extract(epoch FROM created_at) * 1000)::float8 AS "createdAt"
    FROM ${tables.log} WHERE job_id = ${id} ORDER BY id
  `);

  return rows.map((entry) => ({
    attempt: Number(entry.attempt),
    date: new Date(Number(entry.createdAt)),
    message: (entry.message ?? null) as string | null,
    progress: milliseconds(entry.progress),
    step: (entry.step ?? null) as string | null,
  }));
};
