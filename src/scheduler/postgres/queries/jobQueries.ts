/** Queries on `scheduled_job` outside an attempt: jobs created, postponed, canceled, rescheduled, read. */
import {type CommonQueryMethods, type FragmentSqlToken, sql} from 'slonik';
import type {JobRecord, JobSummary, MaterializationPlan, TaskJobSummaries} from '../../recordTypes.ts';
import type {WakeTimes, WakeTimesInput} from '../../storeTypes.ts';
import type {SchedulerTables} from '../createSchedulerTables.ts';
import {activeNames, at, empty, epoch, JOB_COLUMNS, json, milliseconds, names, PENDING, row, toJob} from './rows.ts';

/**
 * One job per planned slot of every task, each task's payload copied in, in one statement. A slot that
 * has a job already keeps it; only the number of slots an untouched job made in advance stands for is
 * updated (misfire `'once'`). Returns how many rows were inserted or updated.
 */
export const insertJobs = async (
  connection: CommonQueryMethods,
  tables: SchedulerTables,
  {jobs, now}: {readonly jobs: ReadonlyArray<MaterializationPlan['jobs'][number] & {readonly taskName: string}>; readonly now: number},
): Promise<number> => {
  if (jobs.length === 0) {
    return 0;
  }

  const result = await connection.query(sql.type(empty)`
    INSERT INTO ${tables.job} (task_name, scheduled_for, run_at, slot_count, state, payload, created_at)
    SELECT t.name, to_timestamp(planned."scheduledFor" / 1000), to_timestamp(planned."runAt" / 1000), planned."slotCount", 'SCHEDULED', t.payload, ${at(now)}
    FROM jsonb_to_recordset(${json(jobs)}) AS planned ("taskName" text, "scheduledFor" float8, "runAt" float8, "slotCount" integer)
    JOIN ${tables.task} t ON t.name = planned."taskName"
    ORDER BY planned."taskName", planned."scheduledFor"
    ON CONFLICT (task_name, scheduled_for) WHERE kind = 'SLOT' DO UPDATE SET slot_count = excluded.slot_count
    WHERE ${tables.job}.state = 'SCHEDULED' AND ${tables.job}.attempt = 0 AND ${tables.job}.slot_count <> excluded.slot_count
  `);

  return result.rowCount;
};

/**
 * The task's pending jobs (its `'SLOT'` jobs alone with `slotsOnly`) that never started are deleted
 * (freeing their slots); the other pending ones are canceled.
 */
export const discardPendingJobs = async (
  connection: CommonQueryMethods,
  tables: SchedulerTables,
  {now, slotsOnly, taskName}: {readonly now: number; readonly slotsOnly: boolean; readonly taskName: string},
): Promise<void> => {
  const kind = slotsOnly ? sql.fragment`AND kind = 'SLOT'` : sql.fragment``;

  await connection.query(sql.type(empty)`DELETE FROM ${tables.job} WHERE task_name = ${taskName} AND state IN ${PENDING} AND attempt = 0 ${kind}`);
  await connection.query(sql.type(empty)`
    UPDATE ${tables.job} SET state = 'CANCELED', ended_at = ${at(now)} WHERE task_name = ${taskName} AND state IN ${PENDING} ${kind}
  `);
};

export const cancelSkippedJobs = async (connection: CommonQueryMethods, tables: SchedulerTables, {now, skipped, taskName}: {readonly now: number; readonly skipped: NonNullable<MaterializationPlan['skipped']>; readonly taskName: string}): Promise<void> => {
  await connection.query(sql.type(empty)`
    UPDATE ${tables.job} SET state = 'CANCELED', ended_at = ${at(now)}
    WHERE task_name = ${taskName} AND kind = 'SLOT' AND state = 'SCHEDULED' AND attempt = 0
      AND scheduled_for BETWEEN ${at(skipped.from)} AND ${at(skipped.through)}
  `);
};

export const postponeJob = async (
  connection: CommonQueryMethods,
  tables: SchedulerTables,
  {error, id, noProcessorCount, now, runAt}: {readonly error: Readonly<Record<string, unknown>> | null; readonly id: number; readonly noProcessorCount: number; readonly now: number; readonly runAt: number | null},
): Promise<JobRecord | null> => {
  const found = await connection.maybeOne(sql.type(row)`
    UPDATE ${tables.job}
    SET no_processor_count = no_processor_count + 1, error = ${json(error)},
      state = ${runAt === null ? 'ERROR' : sql.fragment`state`}, ended_at = ${runAt === null ? at(now) : sql.fragment`ended_at`},
      run_at = ${runAt === null ? sql.fragment`run_at` : at(runAt)}
    WHERE id = ${id} AND state IN ${PENDING} AND no_processor_count = ${noProcessorCount}
    RETURNING ${JOB_COLUMNS}
  `);

  return found === null ? null : toJob(found);
};

export const cancelJob = async (connection: CommonQueryMethods, tables: SchedulerTables, {id, now}: {readonly id: number; readonly now: number}): Promise<JobRecord | null> => {
  const found = await connection.maybeOne(sql.type(row)`
    UPDATE ${tables.job} SET state = 'CANCELED', ended_at = ${at(now)} WHERE id = ${id} AND state IN ${PENDING}
    RETURNING ${JOB_COLUMNS}
  `);

  return found === null ? null : toJob(found);
};

export const rescheduleJob = async (connection: CommonQueryMethods, tables: SchedulerTables, {id, runAt}: {readonly id: number; readonly runAt: number}): Promise<JobRecord | null> => {
  const found = await connection.maybeOne(sql.type(row)`
    UPDATE ${tables.job} SET state = 'SCHEDULED', run_at = ${at(runAt)}, ended_at = NULL, no_processor_count = 0
    WHERE id = ${id} AND state IN ('SCHEDULED', 'WAITING', 'ERROR', 'CANCELED')
    RETURNING ${JOB_COLUMNS}
  `);

  return found === null ? null : toJob(found);
};

export const selectJob = async (connection: CommonQueryMethods, tables: SchedulerTables, id: number): Promise<JobRecord | null> => {
  const found = await connection.maybeOne(sql.type(row)`SELECT ${JOB_COLUMNS} FROM ${tables.job} WHERE id = ${id}`);

  return found === null ? null : toJob(found);
};

/** A `'ONE_OFF'` job of the task (its payload unless `payload` is given); `null` when there is no such task. */
export const insertOneOffJob = async (
  connection: CommonQueryMethods,
  tables: SchedulerTables,
  {now, payload, runAt, taskName}: {readonly now: number; readonly payload?: unknown; readonly runAt: number; readonly taskName: string},
): Promise<JobRecord | null> => {
  const given = payload === undefined ? sql.fragment`t.payload` : json(payload);
  const found = await connection.maybeOne(sql.type(row)`
    INSERT INTO ${tables.job} (task_name, kind, scheduled_for, run_at, slot_count, state, payload, created_at)
    SELECT t.name, 'ONE_OFF', ${at(runAt)}, ${at(runAt)}, 1, 'SCHEDULED', ${given}, ${at(now)}
    FROM ${tables.task} t WHERE t.name = ${taskName}
    RETURNING ${JOB_COLUMNS}
  `);

  return found === null ? null : toJob(found);
};

/** An ERROR or CANCELED job of a stored task goes back for another attempt at `now` (see `SchedulerStore.retryJob`). */
export const retryJob = async (connection: CommonQueryMethods, tables: SchedulerTables, {id, now}: {readonly id: number; readonly now: number}): Promise<JobRecord | null> => {
  const found = await connection.maybeOne(sql.type(row)`
    UPDATE ${tables.job} j
    SET state = CASE WHEN j.attempt = 0 THEN 'SCHEDULED' ELSE 'WAITING' END, run_at = ${at(now)}, ended_at = NULL,
      no_processor_count = 0, lease_until = NULL
    WHERE j.id = ${id} AND j.state IN ('ERROR', 'CANCELED') AND EXISTS (SELECT 1 FROM ${tables.task} t WHERE t.name = j.task_name)
    RETURNING ${JOB_COLUMNS}
  `);

  return found === null ? null : toJob(found);
};

export const selectDueJobs = async (connection: CommonQueryMethods, tables: SchedulerTables, {limit, now, taskNames}: {readonly limit: number; readonly now: number; readonly taskNames: readonly string[]}): Promise<readonly JobRecord[]> => {
  if (taskNames.length === 0) {
    return [];
  }

  return (await connection.any(sql.type(row)`
    SELECT ${JOB_COLUMNS} FROM ${tables.job}
    WHERE task_name = ANY(${activeNames(tables.task, taskNames)}) AND state IN ${PENDING} AND run_at <= ${at(now)}
    ORDER BY run_at, id
    LIMIT ${limit}
  `)).map(toJob);
};

export const selectExpiredJobs = async (connection: CommonQueryMethods, tables: SchedulerTables, {before, taskNames}: {readonly before: number; readonly taskNames: readonly string[]}): Promise<readonly JobRecord[]> => {
  if (taskNames.length === 0) {
    return [];
  }

  return (await connection.any(sql.type(row)`
    SELECT ${JOB_COLUMNS} FROM ${tables.job}
    WHERE task_name = ANY(${names(taskNames)}) AND state = 'RUNNING' AND lease_until <= ${at(before)}
    ORDER BY id
  `)).map(toJob);
};

/** See `WakeTimes`: one statement for every task of an instance. */
export const selectWakeTimes = async (
  connection: CommonQueryMethods,
  tables: SchedulerTables,
  input: WakeTimesInput,
): Promise<WakeTimes> => {
  // Paused tasks plan and claim nothing: their jobs and slots wake no one (their running jobs' leases still do).
  const claimable = activeNames(tables.task, input.claimableTaskNames);
  const found = await connection.one(sql.type(row)`
    SELECT
      (SELECT ${epoch(sql.fragment`min(next_run_at)`)} FROM ${tables.task} WHERE name = ANY(${names(input.taskNames)}) AND NOT paused) AS "nextRunAt",
      (SELECT ${epoch(sql.fragment`min(run_at)`)} FROM ${tables.job}
        WHERE task_name = ANY(${claimable}) AND state IN ${PENDING} AND run_at > ${at(input.claimUntil)}) AS "claimAt",
      EXISTS (SELECT 1 FROM ${tables.job}
        WHERE task_name = ANY(${claimable}) AND state IN ${PENDING} AND run_at <= ${at(input.claimUntil)}) AS blocked,
      (SELECT ${epoch(sql.fragment`min(run_at)`)} FROM ${tables.job}
        WHERE task_name = ANY(${activeNames(tables.task, input.unprocessedTaskNames)}) AND state IN ${PENDING} AND run_at > ${at(input.unprocessedAfter)}) AS "unprocessedRunAt",
      (SELECT ${epoch(sql.fragment`min(lease_until)`)} FROM ${tables.job}
        WHERE task_name = ANY(${names(input.taskNames)}) AND state = 'RUNNING' AND lease_until > ${at(input.leaseAfter)}) AS "leaseUntil"
  `);

  return {
    blocked: found.blocked === true,
    claimAt: milliseconds(found.claimAt),
    leaseUntil: milliseconds(found.leaseUntil),
    nextRunAt: milliseconds(found.nextRunAt),
    unprocessedRunAt: milliseconds(found.unprocessedRunAt),
  };
};

const SUMMARY_STATUS = sql.fragment`CASE state WHEN 'RUNNING' THEN 'running' WHEN 'DONE' THEN 'succeeded' ELSE 'failed' END`;

/** The latest started job of the task among those matching `condition`, as `<prefix>_id`, `<prefix>_status` and `<prefix>_at` (or NULLs). */
const latestJob = (tables: SchedulerTables, taskName: string, condition: FragmentSqlToken) => sql.fragment`
  LEFT JOIN LATERAL (
    SELECT id::float8 AS id, ${SUMMARY_STATUS} AS status, round(extract(epoch FROM started_at) * 1000)::float8 AS at
    FROM ${tables.job}
    WHERE task_name = ${taskName} AND started_at IS NOT NULL AND ${condition}
    ORDER BY started_at DESC, id DESC
    LIMIT 1
  )`;

const toSummary = (id: unknown, status: unknown, date: unknown): JobSummary | null => id === null ? null : {date: new Date(Number(date)), id: Number(id), status: status as JobSummary['status']};

/**
 * The task's latest job, latest success, latest failure (each the latest started among them) and
 * earliest pending job, in one statement: one round trip per task where the overview lists every
 * task (each read is an index's first entry: scheduled_job_started_idx, scheduled_job_failure_idx,
 * scheduled_job_pending_idx).
 */
export const selectTaskJobSummaries = async (connection: CommonQueryMethods, tables: SchedulerTables, taskName: string): Promise<TaskJobSummaries> => {
  const found = await connection.one(sql.type(row)`
    SELECT
      latest.id AS "latestId", latest.status AS "latestStatus", latest.at AS "latestAt",
      success.id AS "successId", success.status AS "successStatus", success.at AS "successAt",
      failure.id AS "failureId", failure.status AS "failureStatus", failure.at AS "failureAt",
      next.id AS "nextId", next.at AS "nextAt"
    FROM (SELECT) AS task
    ${latestJob(tables, taskName, sql.fragment`state IN ('RUNNING', 'DONE', 'ERROR', 'WAITING')`)} AS latest ON TRUE
    ${latestJob(tables, taskName, sql.fragment`state = 'DONE'`)} AS success ON TRUE
    ${latestJob(tables, taskName, sql.fragment`(state = 'ERROR' OR (state = 'WAITING' AND error IS NOT NULL))`)} AS failure ON TRUE
    LEFT JOIN LATERAL (
      SELECT id::float8 AS id, round(extract(epoch FROM run_at) * 1000)::float8 AS at
      FROM ${tables.job} WHERE task_name = ${taskName} AND state IN ${PENDING}
      ORDER BY run_at, id LIMIT 1
    ) AS next ON TRUE
  `);

  return {
    lastFailure: toSummary(found.failureId, found.failureStatus, found.failureAt),
    lastJob: toSummary(found.latestId, found.latestStatus, found.latestAt),
    lastSuccess: toSummary(found.successId, found.successStatus, found.successAt),
    nextJob: found.nextId === null ? null : {date: new Date(Number(found.nextAt)), id: Number(found.nextId)},
  };
};
