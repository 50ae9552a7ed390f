/** Queries on the log table: an attempt's log lines and progress. */
import type {JobLogEntry} from '../../recordTypes.ts';
import type {MysqlSchedulerTables} from '../createMysqlSchedulerTables.ts';
import {execute, milliseconds, type Queryable, selectRows} from './rows.ts';

/** Call in a transaction: the job's progress/step (while that attempt runs) and the log line change together. */
export const recordLog = async (
  connection: Queryable,
  tables: MysqlSchedulerTables,
  {attempt, id, message, now, progress, step}: {readonly attempt: number; readonly id: number; readonly message: string | null; readonly now: number; readonly progress: number | null; readonly step: string | null},
): Promise<boolean> => {
  await execute(connection, `
    UPDATE ${tables.job} SET progress = COALESCE(?, progress), step = COALESCE(?, step) WHERE id = ? AND state = 'RUNNING' AND attempt = ?
  `, [progress, step, id, attempt]);

  const result = await execute(connection, `
    INSERT INTO ${tables.log} (job_id, attempt, created_at, message, progress, step)
    SELECT id, ?, ?, ?, ?, ? FROM ${tables.job} WHERE id = ? AND attempt >= ?
  `, [attempt, now, message, progress, step, id, attempt]);

  return result.affectedRows > 0;
};

export const selectJobLogs = async (connection: Queryable, tables: MysqlSchedulerTables, id: number): Promise<readonly JobLogEntry[]> => {
  const rows = await selectRows(connection, `
    SELECT attempt, message, progress, step, created_at AS createdAt FROM ${tables.log} WHERE job_id = ? ORDER BY id
  `, [id]);

  return rows.map((entry) => ({
    attempt: Number(entry.attempt),
    date: new Date(Number(entry.createdAt)),
    message: entry.message === null || entry.message === undefined ? null : String(entry.message),
    progress: milliseconds(entry.progress),
    step: entry.step === null || entry.step === undefined ? null : String(entry.step),
  }));
};
