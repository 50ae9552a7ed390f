/**
 * Read-only queries behind `summarizeExecutions` (the dashboard's dispatch panel). Each reads through
 * an index of migration 5: ends since a time through `maintenance_task_execution_ended_at_idx`
 * (index-only: it includes the task and the state), the reaper's terminations through
 * `maintenance_task_execution_terminated_at_idx`, RUNNING ones through the active-execution index.
 */
import {sql} from 'slonik';
import {z} from 'zod';
import type {QueryMethods} from '../createPreparedStatements.ts';
import type {Tables} from './createTables.ts';
import {id, instruction, timestamp, toId} from './rows.ts';

const taskSummaryRow = z.object({
  completed: z.number(),
  dead: z.number(),
  failed: z.number(),
  lastTerminatedAt: z.number().nullable(),
  running: z.number(),
  taskName: z.string(),
  terminated: z.number(),
});

const terminatedRow = z.object({executionId: id, instruction, taskName: z.string(), terminatedAt: z.number()});

/** Per task (every row of maintenance_task, by name): RUNNING now, ends by state since `since`, dead instructions, the latest termination. */
export const selectTaskExecutionSummaries = async (
  connection: QueryMethods,
  tables: Tables,
  {since}: {readonly since: number},
): Promise<ReadonlyArray<z.infer<typeof taskSummaryRow>>> => {
  return await connection.any(sql.type(taskSummaryRow)`
    WITH running AS (
      SELECT maintenance_task_id, count(*)::integer AS count
      FROM ${tables.execution}
      WHERE ended_at IS NULL
      GROUP BY maintenance_task_id
    ),
    ended AS (
      SELECT
        maintenance_task_id,
        (count(*) FILTER (WHERE state = 'COMPLETED'))::integer AS completed,
        (count(*) FILTER (WHERE state = 'FAILED'))::integer AS failed,
        (count(*) FILTER (WHERE state = 'TERMINATED'))::integer AS terminated
      FROM ${tables.execution}
      WHERE ended_at IS NOT NULL AND ended_at >= ${timestamp(since)}
      GROUP BY maintenance_task_id
    ),
    dead AS (
      SELECT maintenance_task_id, count(*)::integer AS count
      FROM ${tables.retry}
      WHERE dead_at IS NOT NULL
      GROUP BY maintenance_task_id
    )
    SELECT
      t.nid AS "taskName",
      coalesce(running.count, 0) AS running,
      coalesce(ended.completed, 0) AS completed,
      coalesce(ended.failed, 0) AS failed,
      coalesce(ended.terminated, 0) AS terminated,
      coalesce(dead.count, 0) AS dead,
      (extract(epoch FROM latest.terminated_at) * 1000)::float8 AS "lastTerminatedAt"
    FROM ${tables.task} t
    LEFT JOIN running ON running.maintenance_task_id = t.id
    LEFT JOIN ended ON ended.maintenance_task_id = t.id
    LEFT JOIN dead ON dead.maintenance_task_id = t.id
    LEFT JOIN LATERAL (
      SELECT e.terminated_at
      FROM ${tables.execution} e
      WHERE e.maintenance_task_id = t.id AND e.terminated_at IS NOT NULL
      ORDER BY e.terminated_at DESC
      LIMIT 1
    ) latest ON true
    ORDER BY t.nid
  `);
};

/** The reaper's latest terminations of all tasks, newest first: the latest `limit` of each task, merged. */
export const selectLatestTerminations = async (
  connection: QueryMethods,
  tables: Tables,
  {limit}: {readonly limit: number},
): Promise<ReadonlyArray<z.infer<typeof terminatedRow>>> => {
  if (limit === 0) {
    return [];
  }

  return (await connection.any(sql.type(terminatedRow)`
    SELECT
      t.nid AS "taskName", latest.id AS "executionId", latest.instruction,
      (extract(epoch FROM latest.terminated_at) * 1000)::float8 AS "terminatedAt"
    FROM ${tables.task} t
    CROSS JOIN LATERAL (
      SELECT e.id, e.instruction, e.terminated_at
      FROM ${tables.execution} e
      WHERE e.maintenance_task_id = t.id AND e.terminated_at IS NOT NULL
      ORDER BY e.terminated_at DESC, e.id DESC
      LIMIT ${limit}
    ) latest
    ORDER BY latest.terminated_at DESC, latest.id DESC
    LIMIT ${limit}
  `)).map((row) => ({...row, executionId: toId(row.executionId)}));
};
