/** Queries on the task table: a task's definition and its planned slots. */
import {isDeepStrictEqual} from 'node:util';
import type {ScheduledTaskDefinition, TaskRecord} from '../../recordTypes.ts';
import type {MysqlSchedulerTables} from '../createMysqlSchedulerTables.ts';
import {execute, json, list, PENDING, type Queryable, selectRows, taskColumns, toStoredSchedule, toTask} from './rows.ts';

export const selectTask = async (connection: Queryable, tables: MysqlSchedulerTables, name: string, lock: 'NONE' | 'WAIT' = 'NONE'): Promise<TaskRecord | null> => {
  const [found] = await selectRows(connection, `SELECT ${taskColumns('t')} FROM ${tables.task} t WHERE t.name = ? ${lock === 'WAIT' ? 'FOR UPDATE' : ''}`, [name]);

  return found === undefined ? null : toTask(found);
};

export const selectTasks = async (connection: Queryable, tables: MysqlSchedulerTables): Promise<readonly TaskRecord[]> => {
  return (await selectRows(connection, `SELECT ${taskColumns('t')} FROM ${tables.task} t ORDER BY t.name`)).map(toTask);
};

/** Whether the stored task's schedule is `task`'s, compared as values (PostgreSQL compares jsonb), whatever the order of their keys. */
export const isSameSchedule = (stored: TaskRecord, task: ScheduledTaskDefinition): boolean => {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(toStoredSchedule(stored.schedule))), JSON.parse(JSON.stringify(toStoredSchedule(task.schedule))));
};

/** Inserts the task, or replaces its definition (`paused` kept); `restart` also clears its slots (a changed schedule). Returns it as saved. */
export const upsertTask = async (connection: Queryable, tables: MysqlSchedulerTables, {now, restart, task}: {readonly now: number; readonly restart: boolean; readonly task: ScheduledTaskDefinition}): Promise<TaskRecord> => {
  // Assigned left to right: the CASEs read the columns before they change.
  await execute(connection, `
    INSERT INTO ${tables.task} (name, schedule, timeout_ms, concurrency, misfire, retry, payload, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON DUPLICATE KEY UPDATE
      schedule = VALUES(schedule), timeout_ms = VALUES(timeout_ms), concurrency = VALUES(concurrency),
      misfire = VALUES(misfire), retry = VALUES(retry), payload = VALUES(payload), updated_at = VALUES(updated_at),
      created_at = IF(?, VALUES(created_at), created_at),
      last_slot = IF(?, NULL, last_slot),
      next_run_at = IF(?, NULL, next_run_at)
  `, [
    task.name, json(toStoredSchedule(task.schedule)), task.timeout, task.concurrency, task.misfire, json(task.retry), json(task.payload), now, now,
    restart, restart, restart,
  ]);

  const saved = await selectTask(connection, tables, task.name);

  if (saved === null) {
    throw new Error(`The task \`${task.name}\` was saved and then not found.`);
  }

  return saved;
};

/** Pauses or resumes the task; resumed, its overdue pending jobs are due `now` (see `SchedulerStore.setTaskPaused`). */
export const setTaskPaused = async (
  connection: Queryable,
  tables: MysqlSchedulerTables,
  {name, now, paused}: {readonly name: string; readonly now: number; readonly paused: boolean},
): Promise<TaskRecord | null> => {
  if (await selectTask(connection, tables, name, 'WAIT') === null) {
    return null;
  }

  await execute(connection, `UPDATE ${tables.task} SET paused = ? WHERE name = ?`, [paused, name]);

  if (!paused) {
    await execute(connection, `UPDATE ${tables.job} SET run_at = ? WHERE task_name = ? AND state IN ${PENDING} AND run_at < ?`, [now, name, now]);
  }

  return await selectTask(connection, tables, name);
};

export const deleteTask = async (connection: Queryable, tables: MysqlSchedulerTables, name: string): Promise<boolean> => {
  return (await execute(connection, `DELETE FROM ${tables.task} WHERE name = ?`, [name])).affectedRows > 0;
};

/** The tasks among `taskNames`, not paused, whose next slot is at or before `until`, or that never had one planned; their rows locked. */
export const selectTasksToMaterialize = async (connection: Queryable, tables: MysqlSchedulerTables, {taskNames, until}: {readonly taskNames: readonly string[]; readonly until: number}): Promise<readonly TaskRecord[]> => {
  return (await selectRows(connection, `
    SELECT ${taskColumns('t')} FROM ${tables.task} t
    WHERE t.name IN (?) AND t.paused = FALSE AND (t.next_run_at <= ? OR (t.last_slot IS NULL AND t.next_run_at IS NULL))
    ORDER BY t.name
    FOR UPDATE
  `, [list(taskNames), until])).map(toTask);
};

/** The task's payload as its JSON text (what its jobs copy), `null` for none. */
export const selectTaskPayloads = async (connection: Queryable, tables: MysqlSchedulerTables, taskNames: readonly string[]): Promise<ReadonlyMap<string, string | null>> => {
  const rows = await selectRows(connection, `SELECT CONVERT(name USING utf8mb4) AS name, payload FROM ${tables.task} WHERE name IN (?)`, [list(taskNames)]);

  return new Map(rows.map((found) => [String(found.name), found.payload === null || found.payload === undefined ? null : String(found.payload)]));
};

/** Saves `lastSlot`/`nextRunAt` of the tasks; returns them as saved, in the order given. */
export const updateTaskSlots = async (
  connection: Queryable,
  tables: MysqlSchedulerTables,
  slots: ReadonlyArray<{readonly lastSlot: number | null; readonly nextRunAt: number | null; readonly taskName: string}>,
): Promise<readonly TaskRecord[]> => {
  if (slots.length === 0) {
    return [];
  }

  for (const {lastSlot, nextRunAt, taskName} of slots) {
    await execute(connection, `UPDATE ${tables.task} SET last_slot = ?, next_run_at = ? WHERE name = ?`, [lastSlot, nextRunAt, taskName]);
  }

  const saved = new Map((await selectRows(connection, `SELECT ${taskColumns('t')} FROM ${tables.task} t WHERE t.name IN (?)`, [list(slots.map((slot) => slot.taskName))]))
    .map((found) => {
      const task = toTask(found);

      return [task.name, task] as const;
    }));

  return slots.flatMap(({taskName}) => {
    const task = saved.get(taskName);

    return task === undefined ? [] : [task];
  });
};
