/** Queries on the job table outside an attempt, on SQLite: jobs created, postponed, canceled, rescheduled, read. */
import type {JobRecord, JobSummary, MaterializationPlan} from '../../recordTypes.ts';
import type {WakeTimes, WakeTimesInput} from '../../storeTypes.ts';
import type {SqliteSchedulerTables} from '../createSqliteSchedulerTables.ts';
import type {SqliteConnection} from './connection.ts';
import {activeNames, at, byRunAt, JOB_COLUMNS, json, milliseconds, names, PENDING, toJob} from './rows.ts';

/**
 * One job per planned slot, each with its task's payload. A slot that has a job already keeps it
 * (the unique index over the 'SLOT' jobs); only the number of slots an untouched job made in advance
 * stands for is updated (misfire `'once'`). Call inside the write lock. Returns how many rows were
 * inserted or updated.
 */
export const insertJobs = (
  connection: SqliteConnection,
  tables: SqliteSchedulerTables,
  {jobs, now}: {readonly jobs: ReadonlyArray<MaterializationPlan['jobs'][number] & {readonly taskName: string}>; readonly now: number},
): number => {
  const text = `
    INSERT INTO ${tables.job} (task_name, scheduled_for, run_at, slot_count, state, payload, created_at)
    SELECT t.name, :scheduledFor, :runAt, :slotCount, 'SCHEDULED', t.payload, :now FROM ${tables.task} t WHERE t.name = :taskName
    ON CONFLICT (task_name, scheduled_for) WHERE kind = 'SLOT' DO UPDATE SET slot_count = excluded.slot_count
    WHERE state = 'SCHEDULED' AND attempt = 0 AND slot_count <> excluded.slot_count
  `;
  let changed = 0;

  for (const job of jobs) {
    changed += connection.run(text, {now: at(now), runAt: at(job.runAt), scheduledFor: at(job.scheduledFor), slotCount: job.slotCount, taskName: job.taskName});
  }

  return changed;
};

/**
 * The task's pending jobs (its `'SLOT'` jobs alone with `slotsOnly`) that never started are deleted
 * with their log lines (freeing their slots); the other pending ones are canceled.
 */
export const discardPendingJobs = (
  connection: SqliteConnection,
  tables: SqliteSchedulerTables,
  {now, slotsOnly, taskName}: {readonly now: number; readonly slotsOnly: boolean; readonly taskName: string},
): void => {
  const kind = slotsOnly ? `AND kind = 'SLOT'` : '';
  const unstarted = `SELECT id FROM ${tables.job} WHERE task_name = :taskName AND state IN ${PENDING} AND attempt = 0 ${kind}`;

  connection.run(`DELETE FROM ${tables.log} WHERE job_id IN (${unstarted})`, {taskName});
  connection.run(`DELETE FROM ${tables.job} WHERE id IN (${unstarted})`, {taskName});
  connection.run(`UPDATE ${tables.job} SET state = 'CANCELED', ended_at = :now WHERE task_name = :taskName AND state IN ${PENDING} ${kind}`, {now: at(now), taskName});
};

export const cancelSkippedJobs = (connection: SqliteConnection, tables: SqliteSchedulerTables, {now, skipped, taskName}: {readonly now: number; readonly skipped: NonNullable<MaterializationPlan['skipped']>; readonly taskName: string}): void => {
  connection.run(`
    UPDATE ${tables.job} SET state = 'CANCELED', ended_at = :now
    WHERE task_name = :taskName AND kind = 'SLOT' AND state = 'SCHEDULED' AND attempt = 0 AND scheduled_for BETWEEN :from AND :through
  `, {from: skipped.from, now: at(now), taskName, through: skipped.through});
};

const one = (found: Readonly<Record<string, unknown>> | undefined): JobRecord | null => found === undefined ? null : toJob(found);

export const postponeJob = (
  connection: SqliteConnection,
  tables: SqliteSchedulerTables,
  {error, id, noProcessorCount, now, runAt}: {readonly error: Readonly<Record<string, unknown>> | null; readonly id: number; readonly noProcessorCount: number; readonly now: number; readonly runAt: number | null},
): JobRecord | null => {
  return one(connection.get(`
    UPDATE ${tables.job}
    SET no_processor_count = no_processor_count + 1, error = :error,
      state = CASE WHEN :runAt IS NULL THEN 'ERROR' ELSE state END, ended_at = CASE WHEN :runAt IS NULL THEN :now ELSE ended_at END,
      run_at = coalesce(:runAt, run_at)
    WHERE id = :id AND state IN ${PENDING} AND no_processor_count = :noProcessorCount
    RETURNING ${JOB_COLUMNS}
  `, {error: json(error), id, noProcessorCount, now: at(now), runAt: runAt === null ? null : at(runAt)}));
};

export const cancelJob = (connection: SqliteConnection, tables: SqliteSchedulerTables, {id, now}: {readonly id: number; readonly now: number}): JobRecord | null => {
  return one(connection.get(`UPDATE ${tables.job} SET state = 'CANCELED', ended_at = :now WHERE id = :id AND state IN ${PENDING} RETURNING ${JOB_COLUMNS}`, {id, now: at(now)}));
};

export const rescheduleJob = (connection: SqliteConnection, tables: SqliteSchedulerTables, {id, runAt}: {readonly id: number; readonly runAt: number}): JobRecord | null => {
  return one(connection.get(`
    UPDATE ${tables.job} SET state = 'SCHEDULED', run_at = :runAt, ended_at = NULL, no_processor_count = 0
    WHERE id = :id AND state IN ('SCHEDULED', 'WAITING', 'ERROR', 'CANCELED')
    RETURNING ${JOB_COLUMNS}
  `, {id, runAt: at(runAt)}));
};

export const selectJob = (connection: SqliteConnection, tables: SqliteSchedulerTables, id: number): JobRecord | null => {
  return one(connection.get(`SELECT ${JOB_COLUMNS} FROM ${tables.job} WHERE id = :id`, {id}));
};

/** A `'ONE_OFF'` job of the task (its payload unless `payload` is given); `null` when there is no such task. */
export const insertOneOffJob = (
  connection: SqliteConnection,
  tables: SqliteSchedulerTables,
  {now, payload, runAt, taskName}: {readonly now: number; readonly payload?: unknown; readonly runAt: number; readonly taskName: string},
): JobRecord | null => {
  return one(connection.get(`
    INSERT INTO ${tables.job} (task_name, kind, scheduled_for, run_at, slot_count, state, payload, created_at)
    SELECT t.name, 'ONE_OFF', :runAt, :runAt, 1, 'SCHEDULED', CASE WHEN :given THEN :payload ELSE t.payload END, :now
    FROM ${tables.task} t WHERE t.name = :taskName
    RETURNING ${JOB_COLUMNS}
  `, {given: payload === undefined ? 0 : 1, now: at(now), payload: json(payload), runAt: at(runAt), taskName}));
};

/** An ERROR or CANCELED job of a stored task goes back for another attempt at `now` (see `SchedulerStore.retryJob`). */
export const retryJob = (connection: SqliteConnection, tables: SqliteSchedulerTables, {id, now}: {readonly id: number; readonly now: number}): JobRecord | null => {
  return one(connection.get(`
    UPDATE ${tables.job} AS j
    SET state = CASE WHEN j.attempt = 0 THEN 'SCHEDULED' ELSE 'WAITING' END, run_at = :now, ended_at = NULL,
      no_processor_count = 0, lease_until = NULL
    WHERE j.id = :id AND j.state IN ('ERROR', 'CANCELED') AND EXISTS (SELECT 1 FROM ${tables.task} t WHERE t.name = j.task_name)
    RETURNING ${JOB_COLUMNS}
  `, {id, now: at(now)}));
};

export const selectDueJobs = (connection: SqliteConnection, tables: SqliteSchedulerTables, {limit, now, taskNames}: {readonly limit: number; readonly now: number; readonly taskNames: readonly string[]}): readonly JobRecord[] => {
  if (taskNames.length === 0 || limit <= 0) {
    return [];
  }

  return connection.all(`
    SELECT ${JOB_COLUMNS} FROM ${tables.job}
    WHERE task_name IN ${activeNames(tables.task, 'names')} AND state IN ${PENDING} AND run_at <= :now
    ORDER BY run_at, id
    LIMIT :limit
  `, {limit, names: names(taskNames), now}).map(toJob).toSorted(byRunAt);
};

export const selectExpiredJobs = (connection: SqliteConnection, tables: SqliteSchedulerTables, {before, taskNames}: {readonly before: number; readonly taskNames: readonly string[]}): readonly JobRecord[] => {
  if (taskNames.length === 0) {
    return [];
  }

  return connection.all(`
    SELECT ${JOB_COLUMNS} FROM ${tables.job}
    WHERE task_name IN (SELECT value FROM json_each(:names)) AND state = 'RUNNING' AND lease_until <= :before
    ORDER BY id
  `, {before, names: names(taskNames)}).map(toJob);
};

/** See `WakeTimes`: one statement for every task of an instance. */
export const selectWakeTimes = (connection: SqliteConnection, tables: SqliteSchedulerTables, input: WakeTimesInput): WakeTimes => {
  // Paused tasks plan and claim nothing: their jobs and slots wake no one (their running jobs' leases still do).
  const claimable = activeNames(tables.task, 'claimable');
  const found = connection.get(`
    SELECT
      (SELECT min(next_run_at) FROM ${tables.task} WHERE name IN (SELECT value FROM json_each(:names)) AND paused = 0) AS next_run_at,
      (SELECT min(run_at) FROM ${tables.job} WHERE task_name IN ${claimable} AND state IN ${PENDING} AND run_at > :claimUntil) AS claim_at,
      EXISTS (SELECT 1 FROM ${tables.job} WHERE task_name IN ${claimable} AND state IN ${PENDING} AND run_at <= :claimUntil) AS blocked,
      (SELECT min(run_at) FROM ${tables.job}
        WHERE task_name IN ${activeNames(tables.task, 'unprocessed')} AND state IN ${PENDING} AND run_at > :unprocessedAfter) AS unprocessed_run_at,
      (SELECT min(lease_until) FROM ${tables.job}
        WHERE task_name IN (SELECT value FROM json_each(:names)) AND state = 'RUNNING' AND lease_until > :leaseAfter) AS lease_until
  `, {
    claimable: names(input.claimableTaskNames),
    claimUntil: input.claimUntil,
    leaseAfter: input.leaseAfter,
    names: names(input.taskNames),
    unprocessed: names(input.unprocessedTaskNames),
    unprocessedAfter: input.unprocessedAfter,
  }) ?? {};

  return {
    blocked: Number(found.blocked) === 1,
    claimAt: milliseconds(found.claim_at),
    leaseUntil: milliseconds(found.lease_until),
    nextRunAt: milliseconds(found.next_run_at),
    unprocessedRunAt: milliseconds(found.unprocessed_run_at),
  };
};

const SUMMARY_STATUS = `CASE state WHEN 'RUNNING' THEN 'running' WHEN 'DONE' THEN 'succeeded' ELSE 'failed' END`;

const SUMMARY_CONDITIONS = {
  ANY: `state IN ('RUNNING', 'DONE', 'ERROR', 'WAITING')`,
  FAILURE: `(state = 'ERROR' OR (state = 'WAITING' AND error IS NOT NULL))`,
  SUCCESS: `state = 'DONE'`,
} as const;

/** The latest started job of the task among those matching `where`. */
export const selectLatestJob = (connection: SqliteConnection, tables: SqliteSchedulerTables, {taskName, where}: {readonly taskName: string; readonly where: keyof typeof SUMMARY_CONDITIONS}): JobSummary | null => {
  const found = connection.get(`
    SELECT id, ${SUMMARY_STATUS} AS status, started_at FROM ${tables.job}
    WHERE task_name = :taskName AND started_at IS NOT NULL AND ${SUMMARY_CONDITIONS[where]}
    ORDER BY started_at DESC, id DESC
    LIMIT 1
  `, {taskName});

  return found === undefined ? null : {date: new Date(Number(found.started_at)), id: Number(found.id), status: found.status as JobSummary['status']};
};

export const selectNextJob = (connection: SqliteConnection, tables: SqliteSchedulerTables, taskName: string): {readonly date: Date; readonly id: number} | null => {
  const found = connection.get(`SELECT id, run_at FROM ${tables.job} WHERE task_name = :taskName AND state IN ${PENDING} ORDER BY run_at, id LIMIT 1`, {taskName});

  return found === undefined ? null : {date: new Date(Number(found.run_at)), id: Number(found.id)};
};
