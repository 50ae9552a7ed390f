/**
 * The scheduler store's queries, one per function. Values are parameters, identifiers go through
 * sql.identifier. Times travel as milliseconds since the epoch (the injected clock's), converted in
 * SQL, and come back as float8 milliseconds, so no driver's timestamp parser is involved.
 */
import {type CommonQueryMethods, type SerializableValue, sql} from 'slonik';
import {z} from 'zod';
import type {
  JobFinish,
  JobLogEntry,
  JobRecord,
  JobState,
  JobSummary,
  MaterializationPlan,
  Schedule,
  StoredRetryPolicy,
  TaskDefinition,
  TaskRecord,
  WakeTimes,
  WakeTimesInput,
} from '../types.ts';
import type {SchedulerTables} from './createSchedulerTables.ts';

const empty = z.object({});
const row = z.record(z.string(), z.unknown());

const at = (milliseconds: number) => sql.fragment`to_timestamp(${milliseconds}::float8 / 1000)`;
const json = (value: unknown) => value === null || value === undefined ? sql.fragment`NULL::jsonb` : sql.jsonb(value as SerializableValue);
const PENDING = sql.fragment`('SCHEDULED', 'WAITING')`;
const names = (values: readonly string[]) => sql.array([...values], 'text');

/** The first keys of the advisory locks that serialize materialization ('schm') and claims ('schc'); the second is hashtext(schema). */
const MATERIALIZE_LOCK_KEY = 0x73_63_68_6d;
const CLAIM_LOCK_KEY = 0x73_63_68_63;

const milliseconds = (value: unknown): number | null => value === null || value === undefined ? null : Number(value);

const toStoredSchedule = (schedule: Schedule): unknown => {
  return schedule.kind === 'ONE_SHOT' ? {...schedule, date: schedule.date.toISOString()} : schedule;
};

const fromStoredSchedule = (stored: unknown): Schedule => {
  const schedule = stored as Schedule & {readonly date?: string};

  return schedule.kind === 'ONE_SHOT' ? {...schedule, date: new Date(schedule.date)} : schedule;
};

const TASK_COLUMNS = sql.fragment`
  name, schedule, timeout_ms AS "timeout", concurrency, misfire, retry, payload,
  round(extract(epoch FROM created_at) * 1000)::float8 AS "createdAt",
  round(extract(epoch FROM last_slot) * 1000)::float8 AS "lastSlot",
  round(extract(epoch FROM next_run_at) * 1000)::float8 AS "nextRunAt"
`;

const JOB_COLUMNS = sql.fragment`
  id::float8 AS id, task_name AS "taskName", slot_count AS "slotCount", state, attempt,
  no_processor_count AS "noProcessorCount", payload, worker, progress, step, error,
  round(extract(epoch FROM scheduled_for) * 1000)::float8 AS "scheduledFor",
  round(extract(epoch FROM run_at) * 1000)::float8 AS "runAt",
  round(extract(epoch FROM created_at) * 1000)::float8 AS "createdAt",
  round(extract(epoch FROM started_at) * 1000)::float8 AS "startedAt",
  round(extract(epoch FROM lease_until) * 1000)::float8 AS "leaseUntil",
  round(extract(epoch FROM ended_at) * 1000)::float8 AS "endedAt"
`;

const toTask = (value: Record<string, unknown>): TaskRecord => {
  return {
    concurrency: Number(value.concurrency),
    createdAt: Number(value.createdAt),
    lastSlot: milliseconds(value.lastSlot),
    misfire: value.misfire as TaskRecord['misfire'],
    name: String(value.name),
    nextRunAt: milliseconds(value.nextRunAt),
    payload: value.payload ?? null,
    retry: value.retry as StoredRetryPolicy,
    schedule: fromStoredSchedule(value.schedule),
    timeout: Number(value.timeout),
  };
};

const toJob = (value: Record<string, unknown>): JobRecord => {
  return {
    attempt: Number(value.attempt),
    createdAt: Number(value.createdAt),
    endedAt: milliseconds(value.endedAt),
    error: (value.error ?? null) as JobRecord['error'],
    id: Number(value.id),
    leaseUntil: milliseconds(value.leaseUntil),
    noProcessorCount: Number(value.noProcessorCount),
    payload: value.payload ?? null,
    progress: milliseconds(value.progress),
    runAt: Number(value.runAt),
    scheduledFor: Number(value.scheduledFor),
    slotCount: Number(value.slotCount),
    startedAt: milliseconds(value.startedAt),
    state: value.state as JobState,
    step: (value.step ?? null) as string | null,
    taskName: String(value.taskName),
    worker: (value.worker ?? null) as string | null,
  };
};

export const selectTask = async (connection: CommonQueryMethods, tables: SchedulerTables, name: string, lock: 'NONE' | 'WAIT' = 'NONE'): Promise<TaskRecord | null> => {
  const locking = lock === 'WAIT' ? sql.fragment`FOR UPDATE` : sql.fragment``;
  const found = await connection.maybeOne(sql.type(row)`SELECT ${TASK_COLUMNS} FROM ${tables.task} WHERE name = ${name} ${locking}`);

  return found === null ? null : toTask(found);
};

export const selectTasks = async (connection: CommonQueryMethods, tables: SchedulerTables): Promise<readonly TaskRecord[]> => {
  return (await connection.any(sql.type(row)`SELECT ${TASK_COLUMNS} FROM ${tables.task} ORDER BY name`)).map(toTask);
};

/** Inserts the task, or replaces its definition; `restart` also clears its slots (a changed schedule). */
export const upsertTask = async (connection: CommonQueryMethods, tables: SchedulerTables, {now, restart, task}: {readonly now: number; readonly restart: boolean; readonly task: TaskDefinition}): Promise<TaskRecord> => {
  return toTask(await connection.one(sql.type(row)`
    INSERT INTO ${tables.task} AS t (name, schedule, timeout_ms, concurrency, misfire, retry, payload, created_at, updated_at)
    VALUES (
      ${task.name}, ${json(toStoredSchedule(task.schedule))}, ${task.timeout}, ${task.concurrency}, ${task.misfire},
      ${json(task.retry)}, ${json(task.payload)}, ${at(now)}, ${at(now)}
    )
    ON CONFLICT (name) DO UPDATE SET
      schedule = excluded.schedule, timeout_ms = excluded.timeout_ms, concurrency = excluded.concurrency,
      misfire = excluded.misfire, retry = excluded.retry, payload = excluded.payload, updated_at = excluded.updated_at,
      created_at = CASE WHEN ${restart} THEN excluded.created_at ELSE t.created_at END,
      last_slot = CASE WHEN ${restart} THEN NULL ELSE t.last_slot END,
      next_run_at = CASE WHEN ${restart} THEN NULL ELSE t.next_run_at END
    RETURNING ${TASK_COLUMNS}
  `));
};

export const isSameSchedule = async (connection: CommonQueryMethods, tables: SchedulerTables, {name, schedule}: {readonly name: string; readonly schedule: Schedule}): Promise<boolean> => {
  return await connection.exists(sql.type(empty)`SELECT 1 FROM ${tables.task} WHERE name = ${name} AND schedule = ${json(toStoredSchedule(schedule))}`);
};

export const deleteTask = async (connection: CommonQueryMethods, tables: SchedulerTables, name: string): Promise<boolean> => {
  return (await connection.query(sql.type(empty)`DELETE FROM ${tables.task} WHERE name = ${name}`)).rowCount > 0;
};

/** The task's pending jobs that never started are deleted (freeing their slots); the other pending ones are canceled. */
export const discardPendingJobs = async (connection: CommonQueryMethods, tables: SchedulerTables, {now, taskName}: {readonly now: number; readonly taskName: string}): Promise<void> => {
  await connection.query(sql.type(empty)`DELETE FROM ${tables.job} WHERE task_name = ${taskName} AND state IN ${PENDING} AND attempt = 0`);
  await connection.query(sql.type(empty)`
    UPDATE ${tables.job} SET state = 'CANCELED', ended_at = ${at(now)} WHERE task_name = ${taskName} AND state IN ${PENDING}
  `);
};

export const cancelSkippedJobs = async (connection: CommonQueryMethods, tables: SchedulerTables, {now, skipped, taskName}: {readonly now: number; readonly skipped: NonNullable<MaterializationPlan['skipped']>; readonly taskName: string}): Promise<void> => {
  await connection.query(sql.type(empty)`
    UPDATE ${tables.job} SET state = 'CANCELED', ended_at = ${at(now)}
    WHERE task_name = ${taskName} AND state = 'SCHEDULED' AND attempt = 0
      AND scheduled_for BETWEEN ${at(skipped.from)} AND ${at(skipped.through)}
  `);
};

/**
 * Takes an advisory lock held until the transaction ends. With a `lockTimeout` (milliseconds), the
 * transaction's lock waits end there (SQLSTATE 55P03): a claim queued behind an instance cut off
 * mid-transaction then gives its connection back instead of waiting on the server long after the
 * store's `queryTimeout` gave up on it. Set first (a MATERIALIZED CTE runs before the lock).
 */
const lockForTransaction = async (connection: CommonQueryMethods, key: number, tables: SchedulerTables, lockTimeout: number | null): Promise<void> => {
  await connection.query(sql.type(empty)`
    WITH timeout AS MATERIALIZED (
      SELECT set_config('lock_timeout', ${lockTimeout === null ? '0' : `${Math.ceil(lockTimeout)}ms`}, true)
    )
    SELECT pg_advisory_xact_lock(${key}, hashtext(${tables.schema})) FROM timeout
  `);
};

/** Waits for the store's materialization lock, held until the transaction ends: one instance plans slots at a time. */
export const lockMaterialization = async (connection: CommonQueryMethods, tables: SchedulerTables, lockTimeout: number | null): Promise<void> => {
  await lockForTransaction(connection, MATERIALIZE_LOCK_KEY, tables, lockTimeout);
};

/** Waits for the store's claim lock, held until the transaction ends: running jobs are counted by one claimer at a time. */
export const lockClaims = async (connection: CommonQueryMethods, tables: SchedulerTables, lockTimeout: number | null): Promise<void> => {
  await lockForTransaction(connection, CLAIM_LOCK_KEY, tables, lockTimeout);
};

/** The tasks among `taskNames` whose next slot is at or before `until`, or that never had one planned; their rows locked. */
export const selectTasksToMaterialize = async (connection: CommonQueryMethods, tables: SchedulerTables, {taskNames, until}: {readonly taskNames: readonly string[]; readonly until: number}): Promise<readonly TaskRecord[]> => {
  return (await connection.any(sql.type(row)`
    SELECT ${TASK_COLUMNS} FROM ${tables.task}
    WHERE name = ANY(${names(taskNames)}) AND (next_run_at <= ${at(until)} OR (last_slot IS NULL AND next_run_at IS NULL))
    ORDER BY name
    FOR UPDATE
  `)).map(toTask);
};

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
    ON CONFLICT (task_name, scheduled_for) DO UPDATE SET slot_count = excluded.slot_count
    WHERE ${tables.job}.state = 'SCHEDULED' AND ${tables.job}.attempt = 0 AND ${tables.job}.slot_count <> excluded.slot_count
  `);

  return result.rowCount;
};

/** Saves `lastSlot`/`nextRunAt` of many tasks in one statement; returns them as saved. */
export const updateTaskSlots = async (
  connection: CommonQueryMethods,
  tables: SchedulerTables,
  slots: ReadonlyArray<{readonly lastSlot: number | null; readonly nextRunAt: number | null; readonly taskName: string}>,
): Promise<readonly TaskRecord[]> => {
  if (slots.length === 0) {
    return [];
  }

  return (await connection.any(sql.type(row)`
    UPDATE ${tables.task}
    SET last_slot = to_timestamp(planned."lastSlot" / 1000), next_run_at = to_timestamp(planned."nextRunAt" / 1000)
    FROM jsonb_to_recordset(${json(slots)}) AS planned ("taskName" text, "lastSlot" float8, "nextRunAt" float8)
    WHERE name = planned."taskName"
    RETURNING ${TASK_COLUMNS}
  `)).map(toTask);
};

/**
 * Call holding the claim lock (`lockClaims`): a fresh snapshot counts each task's running jobs, so
 * concurrency holds across instances. Per task, its oldest due jobs up to its free concurrency; in
 * all, the oldest `limit` of those. A job claimed before its `runAt` starts (and its lease counts) from `runAt`.
 * Candidates are chosen without locks and only the `limit` chosen are locked (SKIP LOCKED: a row
 * another writer holds, say a cancel, waits for the next claim), then updated by primary key: no
 * row locked for nothing, no scan of the job table, however many ended jobs it keeps.
 */
export const claimDueJobs = async (
  connection: CommonQueryMethods,
  tables: SchedulerTables,
  {claimUntil, limit, now, taskNames, worker}: {readonly claimUntil: number; readonly limit: number; readonly now: number; readonly taskNames: readonly string[]; readonly worker: string},
): Promise<readonly JobRecord[]> => {
  if (taskNames.length === 0 || limit <= 0) {
    return [];
  }

  return (await connection.any(sql.type(row)`
    WITH candidate AS (
      SELECT due.due_id, due.due_run_at
      FROM ${tables.task} t
      CROSS JOIN LATERAL (
        SELECT j.id AS due_id, j.run_at AS due_run_at FROM ${tables.job} j
        WHERE j.task_name = t.name AND j.state IN ${PENDING} AND j.run_at <= ${at(claimUntil)}
        ORDER BY j.run_at, j.id
        LIMIT LEAST(${limit}::int4, GREATEST(0, t.concurrency - (SELECT count(*) FROM ${tables.job} r WHERE r.task_name = t.name AND r.state = 'RUNNING')))
      ) due
      WHERE t.name = ANY(${names(taskNames)})
      ORDER BY due.due_run_at, due.due_id
      LIMIT ${limit}
    ),
    chosen AS (
      SELECT j.id
      FROM ${tables.job} j
      WHERE j.id = ANY(ARRAY(SELECT candidate.due_id FROM candidate)) AND j.state IN ${PENDING}
      FOR UPDATE OF j SKIP LOCKED
    )
    UPDATE ${tables.job} claimed
    SET state = 'RUNNING', attempt = claimed.attempt + 1, started_at = GREATEST(claimed.run_at, ${at(now)}),
      lease_until = GREATEST(claimed.run_at, ${at(now)}) + (SELECT t.timeout_ms FROM ${tables.task} t WHERE t.name = claimed.task_name) * interval '1 millisecond',
      worker = ${worker}, progress = NULL, step = NULL
    WHERE claimed.id = ANY(ARRAY(SELECT chosen.id FROM chosen))
    RETURNING ${JOB_COLUMNS}
  `)).map(toJob).sort((a, b) => a.runAt - b.runAt || a.id - b.id);
};

/** Ends many RUNNING attempts in one statement; returns the jobs that were those attempts (the others are missing). */
export const finishJobs = async (connection: CommonQueryMethods, tables: SchedulerTables, finishes: readonly JobFinish[]): Promise<readonly JobRecord[]> => {
  if (finishes.length === 0) {
    return [];
  }

  const input = finishes.map(({attempt, id, leaseEndedBy, now, outcome}) => ({
    finishAttempt: attempt,
    finishEndedAt: outcome.state === 'WAITING' ? null : now,
    finishError: outcome.state === 'DONE' ? null : outcome.error,
    finishId: id,
    finishLeaseEndedBy: leaseEndedBy ?? null,
    finishRunAt: outcome.state === 'WAITING' ? outcome.runAt : null,
    finishState: outcome.state,
  }));

  return (await connection.any(sql.type(row)`
    UPDATE ${tables.job}
    SET state = finished."finishState", lease_until = NULL, ended_at = to_timestamp(finished."finishEndedAt" / 1000),
      run_at = COALESCE(to_timestamp(finished."finishRunAt" / 1000), run_at), error = COALESCE(finished."finishError", error)
    FROM jsonb_to_recordset(${json(input)}) AS finished (
      "finishId" bigint, "finishAttempt" integer, "finishState" text, "finishEndedAt" float8, "finishRunAt" float8, "finishError" jsonb,
      "finishLeaseEndedBy" float8
    )
    WHERE id = finished."finishId" AND state = 'RUNNING' AND attempt = finished."finishAttempt"
      AND (finished."finishLeaseEndedBy" IS NULL OR lease_until <= to_timestamp(finished."finishLeaseEndedBy" / 1000))
    RETURNING ${JOB_COLUMNS}
  `)).map(toJob);
};

/** Claimed attempts that never started go back to SCHEDULED (or WAITING after an earlier attempt). */
export const releaseJobs = async (connection: CommonQueryMethods, tables: SchedulerTables, jobs: ReadonlyArray<{readonly attempt: number; readonly id: number}>): Promise<void> => {
  if (jobs.length === 0) {
    return;
  }

  await connection.query(sql.type(empty)`
    UPDATE ${tables.job}
    SET state = CASE WHEN attempt = 1 THEN 'SCHEDULED' ELSE 'WAITING' END, attempt = attempt - 1, lease_until = NULL,
      started_at = CASE WHEN attempt = 1 THEN NULL ELSE started_at END, worker = CASE WHEN attempt = 1 THEN NULL ELSE worker END
    FROM jsonb_to_recordset(${json(jobs.map(({attempt, id}) => ({releaseAttempt: attempt, releaseId: id})))}) AS released ("releaseId" bigint, "releaseAttempt" integer)
    WHERE id = released."releaseId" AND state = 'RUNNING' AND attempt = released."releaseAttempt"
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

export const recordLog = async (
  connection: CommonQueryMethods,
  tables: SchedulerTables,
  {attempt, id, message, now, progress, step}: {readonly attempt: number; readonly id: number; readonly message: string | null; readonly now: number; readonly progress: number | null; readonly step: string | null},
): Promise<boolean> => {
  const result = await connection.query(sql.type(empty)`
    WITH running AS (
      UPDATE ${tables.job} SET progress = COALESCE(${progress}::float8, progress), step = COALESCE(${step}::text, step)
      WHERE id = ${id} AND state = 'RUNNING' AND attempt = ${attempt}
      RETURNING id
    )
    INSERT INTO ${tables.log} (job_id, attempt, created_at, message, progress, step)
    SELECT running.id, ${attempt}, ${at(now)}, ${message}::text, ${progress}::float8, ${step}::text FROM running
  `);

  return result.rowCount > 0;
};

export const selectJob = async (connection: CommonQueryMethods, tables: SchedulerTables, id: number): Promise<JobRecord | null> => {
  const found = await connection.maybeOne(sql.type(row)`SELECT ${JOB_COLUMNS} FROM ${tables.job} WHERE id = ${id}`);

  return found === null ? null : toJob(found);
};

export const selectJobs = async (connection: CommonQueryMethods, tables: SchedulerTables, taskName: string): Promise<readonly JobRecord[]> => {
  return (await connection.any(sql.type(row)`SELECT ${JOB_COLUMNS} FROM ${tables.job} WHERE task_name = ${taskName} ORDER BY scheduled_for, id`)).map(toJob);
};

export const selectDueJobs = async (connection: CommonQueryMethods, tables: SchedulerTables, {limit, now, taskNames}: {readonly limit: number; readonly now: number; readonly taskNames: readonly string[]}): Promise<readonly JobRecord[]> => {
  if (taskNames.length === 0) {
    return [];
  }

  return (await connection.any(sql.type(row)`
    SELECT ${JOB_COLUMNS} FROM ${tables.job}
    WHERE task_name = ANY(${names(taskNames)}) AND state IN ${PENDING} AND run_at <= ${at(now)}
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

const epoch = (expression: ReturnType<typeof sql.fragment>) => sql.fragment`round(extract(epoch FROM ${expression}) * 1000)::float8`;

/** See `WakeTimes`: one statement for every task of an instance. */
export const selectWakeTimes = async (
  connection: CommonQueryMethods,
  tables: SchedulerTables,
  input: WakeTimesInput,
): Promise<WakeTimes> => {
  const claimable = names(input.claimableTaskNames);
  const found = await connection.one(sql.type(row)`
    SELECT
      (SELECT ${epoch(sql.fragment`min(next_run_at)`)} FROM ${tables.task} WHERE name = ANY(${names(input.taskNames)})) AS "nextRunAt",
      (SELECT ${epoch(sql.fragment`min(run_at)`)} FROM ${tables.job}
        WHERE task_name = ANY(${claimable}) AND state IN ${PENDING} AND run_at > ${at(input.claimUntil)}) AS "claimAt",
      EXISTS (SELECT 1 FROM ${tables.job}
        WHERE task_name = ANY(${claimable}) AND state IN ${PENDING} AND run_at <= ${at(input.claimUntil)}) AS blocked,
      (SELECT ${epoch(sql.fragment`min(run_at)`)} FROM ${tables.job}
        WHERE task_name = ANY(${names(input.unprocessedTaskNames)}) AND state IN ${PENDING} AND run_at > ${at(input.unprocessedAfter)}) AS "unprocessedRunAt",
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

/** The latest started job of the task among those matching `where`. */
export const selectLatestJob = async (connection: CommonQueryMethods, tables: SchedulerTables, {taskName, where}: {readonly taskName: string; readonly where: 'FAILURE' | 'ANY' | 'SUCCESS'}): Promise<JobSummary | null> => {
  const condition = where === 'SUCCESS' ?
    sql.fragment`state = 'DONE'` :
    where === 'FAILURE' ? sql.fragment`(state = 'ERROR' OR (state = 'WAITING' AND error IS NOT NULL))` : sql.fragment`state IN ('RUNNING', 'DONE', 'ERROR', 'WAITING')`;
  const found = await connection.maybeOne(sql.type(row)`
    SELECT id::float8 AS id, ${SUMMARY_STATUS} AS status, round(extract(epoch FROM started_at) * 1000)::float8 AS "startedAt"
    FROM ${tables.job}
    WHERE task_name = ${taskName} AND started_at IS NOT NULL AND ${condition}
    ORDER BY started_at DESC, id DESC
    LIMIT 1
  `);

  return found === null ? null : {date: new Date(Number(found.startedAt)), id: Number(found.id), status: found.status as JobSummary['status']};
};

export const selectNextJob = async (connection: CommonQueryMethods, tables: SchedulerTables, taskName: string): Promise<{readonly date: Date; readonly id: number} | null> => {
  const found = await connection.maybeOne(sql.type(row)`
    SELECT id::float8 AS id, round(extract(epoch FROM run_at) * 1000)::float8 AS "runAt"
    FROM ${tables.job} WHERE task_name = ${taskName} AND state IN ${PENDING}
    ORDER BY run_at, id LIMIT 1
  `);

  return found === null ? null : {date: new Date(Number(found.runAt)), id: Number(found.id)};
};
