import type {DatabaseSync} from 'node:sqlite';
import type {ExecutionSummary} from '../types.ts';
import type {SqliteTables} from './createSqliteTables.ts';

const toInstruction = (value: unknown) => typeof value === 'string' ? value : Number(value);

const toDate = (value: unknown) => value === null || value === undefined ? null : new Date(Number(value));

/**
 * The SQLite store's `summarizeExecutions` (input validated by the caller): two reading statements,
 * through the indexes of store migration 2 (ends since a time; terminations per task) and the
 * active-execution index.
 */
export const summarizeSqliteExecutions = (database: DatabaseSync, tables: SqliteTables, {recentLimit, since}: {readonly recentLimit: number; readonly since: number}): ExecutionSummary => {
  const tasks = database.prepare(`
    SELECT
      t.nid AS taskName,
      coalesce(running.count, 0) AS running,
      coalesce(ended.completed, 0) AS completed,
      coalesce(ended.failed, 0) AS failed,
      coalesce(ended.terminated, 0) AS terminated,
      coalesce(dead.count, 0) AS dead,
      (SELECT max(e.terminated_at) FROM ${tables.execution} e WHERE e.maintenance_task_id = t.id AND e.terminated_at IS NOT NULL) AS lastTerminatedAt
    FROM ${tables.task} t
    LEFT JOIN (
      SELECT maintenance_task_id, count(*) AS count FROM ${tables.execution} WHERE ended_at IS NULL GROUP BY maintenance_task_id
    ) running ON running.maintenance_task_id = t.id
    LEFT JOIN (
      SELECT
        maintenance_task_id,
        count(*) FILTER (WHERE state = 'COMPLETED') AS completed,
        count(*) FILTER (WHERE state = 'FAILED') AS failed,
        count(*) FILTER (WHERE state = 'TERMINATED') AS terminated
      -- Else the planner prefers the task index (no sort for the GROUP BY) and reads every execution.
      FROM ${tables.execution} INDEXED BY ${tables.endedAtIndex}
      WHERE ended_at IS NOT NULL AND ended_at >= ?
      GROUP BY maintenance_task_id
    ) ended ON ended.maintenance_task_id = t.id
    LEFT JOIN (
      SELECT maintenance_task_id, count(*) AS count FROM ${tables.retry} WHERE dead_at IS NOT NULL GROUP BY maintenance_task_id
    ) dead ON dead.maintenance_task_id = t.id
    ORDER BY t.nid
  `).all(since).map((row) => ({
    completed: Number(row.completed),
    dead: Number(row.dead),
    failed: Number(row.failed),
    lastTerminatedAt: toDate(row.lastTerminatedAt),
    running: Number(row.running),
    taskName: String(row.taskName),
    terminated: Number(row.terminated),
  }));
  const recent = recentLimit === 0 ? [] : database.prepare(`
    SELECT t.nid AS taskName, e.id AS executionId, e.instruction, e.terminated_at AS terminatedAt
    FROM ${tables.execution} e
    JOIN ${tables.task} t ON t.id = e.maintenance_task_id
    WHERE e.terminated_at IS NOT NULL
    ORDER BY e.terminated_at DESC, e.id DESC
    LIMIT ?
  `).all(recentLimit).map((row) => ({
    executionId: Number(row.executionId),
    instruction: toInstruction(row.instruction),
    taskName: String(row.taskName),
    terminatedAt: new Date(Number(row.terminatedAt)),
  }));

  return {
    reaper: {recent, terminated: tasks.reduce((sum, task) => sum + task.terminated, 0)},
    since: new Date(since),
    tasks,
  };
};
