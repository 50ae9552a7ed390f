/** Queries on the task table on SQLite: a task's definition and its planned slots. */
import type {ScheduledTaskDefinition, TaskRecord} from '../../recordTypes.ts';
import type {SqliteSchedulerTables} from '../createSqliteSchedulerTables.ts';
import type {SqliteConnection} from './connection.ts';
import {at, json, maybeAt, names, TASK_COLUMNS, toStoredSchedule, toTask} from './rows.ts';

/** The task as stored (its schedule's JSON text in `schedule`), or `undefined`. */
export const selectTaskRow = (connection: SqliteConnection, tables: SqliteSchedulerTables, name: string): Readonly<Record<string, unknown>> | undefined => {
  return connection.get(`SELECT ${TASK_COLUMNS} FROM ${tables.task} WHERE name = :name`, {name});
};

export const selectTask = (connection: SqliteConnection, tables: SqliteSchedulerTables, name: string): TaskRecord | null => {
  const found = selectTaskRow(connection, tables, name);

  return found === undefined ? null : toTask(found);
};

export const selectTasks = (connection: SqliteConnection, tables: SqliteSchedulerTables): readonly TaskRecord[] => {
  return connection.all(`SELECT ${TASK_COLUMNS} FROM ${tables.task} ORDER BY name`).map(toTask);
};

/** Inserts the task, or replaces its definition; `restart` also clears its slots (a changed schedule). */
export const upsertTask = (connection: SqliteConnection, tables: SqliteSchedulerTables, {now, restart, task}: {readonly now: number; readonly restart: boolean; readonly task: ScheduledTaskDefinition}): TaskRecord => {
  const found = connection.get(`
    INSERT INTO ${tables.task} (name, schedule, timeout_ms, concurrency, misfire, retry, payload, created_at, updated_at)
    VALUES (:name, :schedule, :timeout, :concurrency, :misfire, :retry, :payload, :now, :now)
    ON CONFLICT (name) DO UPDATE SET
      schedule = excluded.schedule, timeout_ms = excluded.timeout_ms, concurrency = excluded.concurrency,
      misfire = excluded.misfire, retry = excluded.retry, payload = excluded.payload, updated_at = excluded.updated_at,
      created_at = CASE WHEN :restart THEN excluded.created_at ELSE created_at END,
      last_slot = CASE WHEN :restart THEN NULL ELSE last_slot END,
      next_run_at = CASE WHEN :restart THEN NULL ELSE next_run_at END
    RETURNING ${TASK_COLUMNS}
  `, {
    concurrency: task.concurrency,
    misfire: task.misfire,
    name: task.name,
    now: at(now),
    payload: json(task.payload),
    restart: restart ? 1 : 0,
    retry: JSON.stringify(task.retry),
    schedule: JSON.stringify(toStoredSchedule(task.schedule)),
    timeout: task.timeout,
  });

  if (found === undefined) {
    throw new Error(`Expected the upsert of task \`${task.name}\` to return its row.`);
  }

  return toTask(found);
};

/** Pauses or resumes the task; resumed, its overdue pending jobs are due `now` (see `SchedulerStore.setTaskPaused`). */
export const setTaskPaused = (
  connection: SqliteConnection,
  tables: SqliteSchedulerTables,
  {name, now, paused}: {readonly name: string; readonly now: number; readonly paused: boolean},
): TaskRecord | null => {
  const found = connection.get(`UPDATE ${tables.task} SET paused = :paused WHERE name = :name RETURNING ${TASK_COLUMNS}`, {name, paused: paused ? 1 : 0});

  if (found !== undefined && !paused) {
    connection.run(`UPDATE ${tables.job} SET run_at = :now WHERE task_name = :name AND state IN ('SCHEDULED', 'WAITING') AND run_at < :now`, {name, now: at(now)});
  }

  return found === undefined ? null : toTask(found);
};

export const deleteTask = (connection: SqliteConnection, tables: SqliteSchedulerTables, name: string): boolean => {
  return connection.run(`DELETE FROM ${tables.task} WHERE name = :name`, {name}) > 0;
};

/** The tasks among `taskNames`, not paused, whose next slot is at or before `until`, or that never had one planned. Call inside the write lock. */
export const selectTasksToMaterialize = (connection: SqliteConnection, tables: SqliteSchedulerTables, {taskNames, until}: {readonly taskNames: readonly string[]; readonly until: number}): readonly TaskRecord[] => {
  return connection.all(`
    SELECT ${TASK_COLUMNS} FROM ${tables.task}
    WHERE name IN (SELECT value FROM json_each(:names)) AND paused = 0 AND (next_run_at <= :until OR (last_slot IS NULL AND next_run_at IS NULL))
    ORDER BY name
  `, {names: names(taskNames), until}).map(toTask);
};

/** Saves `lastSlot`/`nextRunAt` of each task; returns them as saved. */
export const updateTaskSlots = (
  connection: SqliteConnection,
  tables: SqliteSchedulerTables,
  slots: ReadonlyArray<{readonly lastSlot: number | null; readonly nextRunAt: number | null; readonly taskName: string}>,
): readonly TaskRecord[] => {
  const text = `UPDATE ${tables.task} SET last_slot = :lastSlot, next_run_at = :nextRunAt WHERE name = :name RETURNING ${TASK_COLUMNS}`;

  return slots.flatMap(({lastSlot, nextRunAt, taskName}) => {
    const found = connection.get(text, {lastSlot: maybeAt(lastSlot), name: taskName, nextRunAt: maybeAt(nextRunAt)});

    return found === undefined ? [] : [toTask(found)];
  });
};
