/** Queries on `scheduled_task`: a task's definition and its planned slots. */
import {type CommonQueryMethods, sql} from 'slonik';
import type {ScheduledTaskDefinition, TaskRecord} from '../../recordTypes.ts';
import type {Schedule} from '../../scheduleTypes.ts';
import type {SchedulerTables} from '../createSchedulerTables.ts';
import {at, empty, json, names, row, TASK_COLUMNS, toStoredSchedule, toTask} from './rows.ts';

export const selectTask = async (connection: CommonQueryMethods, tables: SchedulerTables, name: string, lock: 'NONE' | 'WAIT' = 'NONE'): Promise<TaskRecord | null> => {
  const locking = lock === 'WAIT' ? sql.fragment`FOR UPDATE` : sql.fragment``;
  const found = await connection.maybeOne(sql.type(row)`SELECT ${TASK_COLUMNS} FROM ${tables.task} WHERE name = ${name} ${locking}`);

  return found === null ? null : toTask(found);
};

export const selectTasks = async (connection: CommonQueryMethods, tables: SchedulerTables): Promise<readonly TaskRecord[]> => {
  return (await connection.any(sql.type(row)`SELECT ${TASK_COLUMNS} FROM ${tables.task} ORDER BY name`)).map(toTask);
};

/** Inserts the task, or replaces its definition; `restart` also clears its slots (a changed schedule). */
export const upsertTask = async (connection: CommonQueryMethods, tables: SchedulerTables, {now, restart, task}: {readonly now: number; readonly restart: boolean; readonly task: ScheduledTaskDefinition}): Promise<TaskRecord> => {
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

/** Pauses or resumes the task; resumed, its overdue pending jobs are due `now` (see `SchedulerStore.setTaskPaused`). */
export const setTaskPaused = async (
  connection: CommonQueryMethods,
  tables: SchedulerTables,
  {name, now, paused}: {readonly name: string; readonly now: number; readonly paused: boolean},
): Promise<TaskRecord | null> => {
  const found = await connection.maybeOne(sql.type(row)`UPDATE ${tables.task} SET paused = ${paused} WHERE name = ${name} RETURNING ${TASK_COLUMNS}`);

  if (found !== null && !paused) {
    await connection.query(sql.type(empty)`
      UPDATE ${tables.job} SET run_at = ${at(now)} WHERE task_name = ${name} AND state IN ('SCHEDULED', 'WAITING') AND run_at < ${at(now)}
    `);
  }

  return found === null ? null : toTask(found);
};

export const deleteTask = async (connection: CommonQueryMethods, tables: SchedulerTables, name: string): Promise<boolean> => {
  return (await connection.query(sql.type(empty)`DELETE FROM ${tables.task} WHERE name = ${name}`)).rowCount > 0;
};

/** The tasks among `taskNames`, not paused, whose next slot is at or before `until`, or that never had one planned; their rows locked. */
export const selectTasksToMaterialize = async (connection: CommonQueryMethods, tables: SchedulerTables, {taskNames, until}: {readonly taskNames: readonly string[]; readonly until: number}): Promise<readonly TaskRecord[]> => {
  return (await connection.any(sql.type(row)`
    SELECT ${TASK_COLUMNS} FROM ${tables.task}
    WHERE name = ANY(${names(taskNames)}) AND NOT paused AND (next_run_at <= ${at(until)} OR (last_slot IS NULL AND next_run_at IS NULL))
    ORDER BY name
    FOR UPDATE
  `)).map(toTask);
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
