/** Queries on the job log table on SQLite: an attempt's log lines and progress. */
import type {JobLogEntry} from '../../recordTypes.ts';
import type {SqliteSchedulerTables} from '../createSqliteSchedulerTables.ts';
import type {SqliteConnection} from './connection.ts';
import {at, milliseconds} from './rows.ts';

/** Call inside the write lock: the job's progress while the attempt runs, and a log line once the job has reached the attempt. */
export const recordLog = (
  connection: SqliteConnection,
  tables: SqliteSchedulerTables,
  {attempt, id, message, now, progress, step}: {readonly attempt: number; readonly id: number; readonly message: string | null; readonly now: number; readonly progress: number | null; readonly step: string | null},
): boolean => {
  connection.run(`
    UPDATE ${tables.job} SET progress = coalesce(:progress, progress), step = coalesce(:step, step)
    WHERE id = :id AND state = 'RUNNING' AND attempt = :attempt
  `, {attempt, id, progress, step});

  return connection.run(`
    INSERT INTO ${tables.log} (job_id, attempt, created_at, message, progress, step)
    SELECT id, :attempt, :now, :message, :progress, :step FROM ${tables.job} WHERE id = :id AND attempt >= :attempt
  `, {attempt, id, message, now: at(now), progress, step}) > 0;
};

export const selectJobLogs = (connection: SqliteConnection, tables: SqliteSchedulerTables, id: number): readonly JobLogEntry[] => {
  return connection.all(`SELECT attempt, message, progress, step, created_at FROM ${tables.log} WHERE job_id = :id ORDER BY id`, {id}).map((entry) => ({
    attempt: Number(entry.attempt),
    date: new Date(Number(entry.created_at)),
    message: (entry.message ?? null) as string | null,
    progress: milliseconds(entry.progress),
    step: (entry.step ?? null) as string | null,
  }));
};
