/**
 * Queries on the job table outside an attempt: jobs created, postponed, canceled, rescheduled, read.
 * A change that must return the job locks its row (`FOR UPDATE`, the fence in the WHERE), updates it
 * by id and reads it back, in the caller's transaction: UPDATE has no RETURNING in MySQL or MariaDB.
 */
import type {JobRecord, JobSummary, MaterializationPlan} from '../../recordTypes.ts';
import type {WakeTimes, WakeTimesInput} from '../../storeTypes.ts';
import type {MysqlSchedulerTables} from '../createMysqlSchedulerTables.ts';
import {execute, jobColumns, list, milliseconds, PENDING, type Queryable, selectJobsById, selectRows, toJob, type Values} from './rows.ts';

/** Locks the job if `fence` (a condition on its row) holds; its id, or `null`. */
const lockJob = async (connection: Queryable, tables: MysqlSchedulerTables, id: number, fence: string, values: Values = []): Promise<number | null> => {
  const [found] = await selectRows(connection, `SELECT id FROM ${tables.job} j WHERE j.id = ? AND ${fence} FOR UPDATE`, [id, ...values]);

  return found === undefined ? null : Number(found.id);
};

/** Locks the job if `fence` holds, applies `assignments` to it and reads it back; `null` when the fence does not hold. */
const updateJob = async (connection: Queryable, tables: MysqlSchedulerTables, {assignments, fence, id}: {
  readonly assignments: readonly [string, Values];
  readonly fence: readonly [string, Values];
  readonly id: number;
}): Promise<JobRecord | null> => {
  if (await lockJob(connection, tables, id, fence[0], fence[1]) === null) {
    return null;
  }

  await execute(connection, `UPDATE ${tables.job} SET ${assignments[0]} WHERE id = ?`, [...assignments[1], id]);

  return (await selectJobsById(connection, tables, [id]))[0] ?? null;
};

/**
 * One job per planned slot of every task, each with its task's payload, in one INSERT. A slot that has
 * a job already keeps it (the unique key (task_name, slot_for) over the `'SLOT'` jobs); only the
 * number of slots an untouched job made in advance stands for is updated (misfire `'once'`).
 */
export const insertJobs = async (
  connection: Queryable,
  tables: MysqlSchedulerTables,
  {jobs, now}: {readonly jobs: ReadonlyArray<MaterializationPlan['jobs'][number] & {readonly payload: string | null; readonly taskName: string}>; readonly now: number},
): Promise<void> => {
  if (jobs.length === 0) {
    return;
  }

  const ordered = jobs.toSorted((a, b) => a.taskName < b.taskName ? -1 : a.taskName > b.taskName ? 1 : a.scheduledFor - b.scheduledFor);

  // VALUES(column) rather than MySQL 8.0.19's row alias, which MariaDB lacks (MySQL 8 warns it is deprecated, and runs it).
  await execute(connection, `
    INSERT INTO ${tables.job} (task_name, kind, scheduled_for, run_at, slot_count, state, payload, created_at)
    VALUES ${ordered.map(() => `(?, 'SLOT', ?, ?, ?, 'SCHEDULED', ?, ?)`).join(', ')}
    ON DUPLICATE KEY UPDATE slot_count = IF(state = 'SCHEDULED' AND attempt = 0, VALUES(slot_count), slot_count)
  `, ordered.flatMap((job) => [job.taskName, job.scheduledFor, job.runAt, job.slotCount, job.payload, now]));
};

/**
 * The task's pending jobs (its `'SLOT'` jobs alone with `slotsOnly`) that never started are deleted
 * (freeing their slots); the other pending ones are canceled.
 */
export const discardPendingJobs = async (
  connection: Queryable,
  tables: MysqlSchedulerTables,
  {now, slotsOnly, taskName}: {readonly now: number; readonly slotsOnly: boolean; readonly taskName: string},
): Promise<void> => {
  const kind = slotsOnly ? `AND kind = 'SLOT'` : '';

  await execute(connection, `DELETE FROM ${tables.job} WHERE task_name = ? AND state IN ${PENDING} AND attempt = 0 ${kind}`, [taskName]);
  await execute(connection, `UPDATE ${tables.job} SET state = 'CANCELED', ended_at = ? WHERE task_name = ? AND state IN ${PENDING} ${kind}`, [now, taskName]);
};

export const cancelSkippedJobs = async (connection: Queryable, tables: MysqlSchedulerTables, {now, skipped, taskName}: {readonly now: number; readonly skipped: NonNullable<MaterializationPlan['skipped']>; readonly taskName: string}): Promise<void> => {
  await execute(connection, `
    UPDATE ${tables.job} SET state = 'CANCELED', ended_at = ?
    WHERE task_name = ? AND kind = 'SLOT' AND state = 'SCHEDULED' AND attempt = 0 AND scheduled_for BETWEEN ? AND ?
  `, [now, taskName, skipped.from, skipped.through]);
};

export const postponeJob = async (
  connection: Queryable,
  tables: MysqlSchedulerTables,
  {error, id, noProcessorCount, now, runAt}: {readonly error: Readonly<Record<string, unknown>> | null; readonly id: number; readonly noProcessorCount: number; readonly now: number; readonly runAt: number | null},
): Promise<JobRecord | null> => {
  const errorText = error === null ? null : JSON.stringify(error);

  return await updateJob(connection, tables, {
    assignments: runAt === null ?
      [`no_processor_count = no_processor_count + 1, error = ?, state = 'ERROR', ended_at = ?`, [errorText, now]] :
      ['no_processor_count = no_processor_count + 1, error = ?, run_at = ?', [errorText, runAt]],
    fence: [`j.state IN ${PENDING} AND j.no_processor_count = ?`, [noProcessorCount]],
    id,
  });
};

export const cancelJob = async (connection: Queryable, tables: MysqlSchedulerTables, {id, now}: {readonly id: number; readonly now: number}): Promise<JobRecord | null> => {
  return await updateJob(connection, tables, {assignments: [`state = 'CANCELED', ended_at = ?`, [now]], fence: [`j.state IN ${PENDING}`, []], id});
};

export const rescheduleJob = async (connection: Queryable, tables: MysqlSchedulerTables, {id, runAt}: {readonly id: number; readonly runAt: number}): Promise<JobRecord | null> => {
  return await updateJob(connection, tables, {
    assignments: [`state = 'SCHEDULED', run_at = ?, ended_at = NULL, no_processor_count = 0`, [runAt]],
    fence: [`j.state IN ('SCHEDULED', 'WAITING', 'ERROR', 'CANCELED')`, []],
    id,
  });
};

/** An ERROR or CANCELED job of a stored task goes back for another attempt at `now` (see `SchedulerStore.retryJob`). */
export const retryJob = async (connection: Queryable, tables: MysqlSchedulerTables, {id, now}: {readonly id: number; readonly now: number}): Promise<JobRecord | null> => {
  return await updateJob(connection, tables, {
    assignments: [`state = CASE WHEN attempt = 0 THEN 'SCHEDULED' ELSE 'WAITING' END, run_at = ?, ended_at = NULL, no_processor_count = 0, lease_until = NULL`, [now]],
    fence: [`j.state IN ('ERROR', 'CANCELED') AND EXISTS (SELECT 1 FROM ${tables.task} t WHERE t.name = j.task_name)`, []],
    id,
  });
};

export const selectJob = async (connection: Queryable, tables: MysqlSchedulerTables, id: number): Promise<JobRecord | null> => {
  return (await selectJobsById(connection, tables, [id]))[0] ?? null;
};

/** A `'ONE_OFF'` job of the task (its payload unless `payload` is given); `null` when there is no such task. */
export const insertOneOffJob = async (
  connection: Queryable,
  tables: MysqlSchedulerTables,
  {now, payload, runAt, taskName}: {readonly now: number; readonly payload?: unknown; readonly runAt: number; readonly taskName: string},
): Promise<JobRecord | null> => {
  const given = payload === undefined ? 't.payload' : '?';
  const result = await execute(connection, `
    INSERT INTO ${tables.job} (task_name, kind, scheduled_for, run_at, slot_count, state, payload, created_at)
    SELECT t.name, 'ONE_OFF', ?, ?, 1, 'SCHEDULED', ${given}, ? FROM ${tables.task} t WHERE t.name = ?
  `, [runAt, runAt, ...payload === undefined ? [] : [payload === null ? null : JSON.stringify(payload)], now, taskName]);

  return result.affectedRows === 0 ? null : await selectJob(connection, tables, result.insertId);
};

/** The names among `taskNames` of stored tasks that are not paused, as a subquery (with its values). */
const activeNames = (tables: MysqlSchedulerTables, taskNames: readonly string[]): readonly [string, Values] => {
  return [`SELECT name FROM ${tables.task} WHERE name IN (?) AND paused = FALSE`, [list(taskNames)]];
};

export const selectDueJobs = async (connection: Queryable, tables: MysqlSchedulerTables, {limit, now, taskNames}: {readonly limit: number; readonly now: number; readonly taskNames: readonly string[]}): Promise<readonly JobRecord[]> => {
  if (taskNames.length === 0) {
    return [];
  }

  const [active, activeValues] = activeNames(tables, taskNames);

  return (await selectRows(connection, `
    SELECT ${jobColumns('j')} FROM ${tables.job} j
    WHERE j.task_name IN (${active}) AND j.state IN ${PENDING} AND j.run_at <= ?
    ORDER BY j.run_at, j.id
    LIMIT ?
  `, [...activeValues, now, limit])).map(toJob);
};

export const selectExpiredJobs = async (connection: Queryable, tables: MysqlSchedulerTables, {before, taskNames}: {readonly before: number; readonly taskNames: readonly string[]}): Promise<readonly JobRecord[]> => {
  if (taskNames.length === 0) {
    return [];
  }

  return (await selectRows(connection, `
    SELECT ${jobColumns('j')} FROM ${tables.job} j
    WHERE j.task_name IN (?) AND j.state = 'RUNNING' AND j.lease_until <= ?
    ORDER BY j.id
  `, [list(taskNames), before])).map(toJob);
};

/** See `WakeTimes`: one statement for every task of an instance. */
export const selectWakeTimes = async (connection: Queryable, tables: MysqlSchedulerTables, input: WakeTimesInput): Promise<WakeTimes> => {
  // Paused tasks plan and claim nothing: their jobs and slots wake no one (their running jobs' leases still do).
  const [claimable, claimableValues] = activeNames(tables, input.claimableTaskNames);
  const [unprocessed, unprocessedValues] = activeNames(tables, input.unprocessedTaskNames);
  const [found] = await selectRows(connection, `
    SELECT
      (SELECT min(next_run_at) FROM ${tables.task} WHERE name IN (?) AND paused = FALSE) AS nextRunAt,
      (SELECT min(run_at) FROM ${tables.job} WHERE task_name IN (${claimable}) AND state IN ${PENDING} AND run_at > ?) AS claimAt,
      EXISTS (SELECT 1 FROM ${tables.job} WHERE task_name IN (${claimable}) AND state IN ${PENDING} AND run_at <= ?) AS blocked,
      (SELECT min(run_at) FROM ${tables.job} WHERE task_name IN (${unprocessed}) AND state IN ${PENDING} AND run_at > ?) AS unprocessedRunAt,
      (SELECT min(lease_until) FROM ${tables.job} WHERE task_name IN (?) AND state = 'RUNNING' AND lease_until > ?) AS leaseUntil
  `, [
    list(input.taskNames),
    ...claimableValues, input.claimUntil,
    ...claimableValues, input.claimUntil,
    ...unprocessedValues, input.unprocessedAfter,
    list(input.taskNames), input.leaseAfter,
  ]);

  return {
    blocked: Number(found?.blocked) === 1,
    claimAt: milliseconds(found?.claimAt),
    leaseUntil: milliseconds(found?.leaseUntil),
    nextRunAt: milliseconds(found?.nextRunAt),
    unprocessedRunAt: milliseconds(found?.unprocessedRunAt),
  };
};

const SUMMARY_STATUS = `CASE state WHEN 'RUNNING' THEN 'running' WHEN 'DONE' THEN 'succeeded' ELSE 'failed' END`;

/** The latest started job of the task among those matching `where`. */
export const selectLatestJob = async (connection: Queryable, tables: MysqlSchedulerTables, {taskName, where}: {readonly taskName: string; readonly where: 'FAILURE' | 'ANY' | 'SUCCESS'}): Promise<JobSummary | null> => {
  const condition = where === 'SUCCESS' ?
    `state = 'DONE'` :
    where === 'FAILURE' ? `(state = 'ERROR' OR (state = 'WAITING' AND error IS NOT NULL))` : `state IN ('RUNNING', 'DONE', 'ERROR', 'WAITING')`;
  const [found] = await selectRows(connection, `
    SELECT id, ${SUMMARY_STATUS} AS status, started_at AS startedAt
    FROM ${tables.job}
    WHERE task_name = ? AND started_at IS NOT NULL AND ${condition}
    ORDER BY started_at DESC, id DESC
    LIMIT 1
  `, [taskName]);

  return found === undefined ? null : {date: new Date(Number(found.startedAt)), id: Number(found.id), status: String(found.status) as JobSummary['status']};
};

export const selectNextJob = async (connection: Queryable, tables: MysqlSchedulerTables, taskName: string): Promise<{readonly date: Date; readonly id: number} | null> => {
  const [found] = await selectRows(connection, `
    SELECT id, run_at AS runAt FROM ${tables.job} WHERE task_name = ? AND state IN ${PENDING} ORDER BY run_at, id LIMIT 1
  `, [taskName]);

  return found === undefined ? null : {date: new Date(Number(found.runAt)), id: Number(found.id)};
};
