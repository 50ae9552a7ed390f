/** Queries on RUNNING executions: find them by instruction or id, refresh their heartbeat, and reap (terminate) stale ones. */
import {sql} from 'slonik';
import type {TaskInstruction} from '../../../planton/types.ts';
import type {QueryMethods} from '../createPreparedStatements.ts';
import type {Tables} from './createTables.ts';
import {countFailedAttempts, selectFailedAttempts} from './failedAttemptFragments.ts';
import {type FailedAttempt, failedRow, idRow, timestamp, toId, withNumberId} from './rows.ts';

export const selectRunningExecutionId = async (
  connection: QueryMethods,
  tables: Tables,
  {instruction: value, taskName}: {readonly instruction: TaskInstruction; readonly taskName: string},
): Promise<number | null> => {
  // PostgreSQL holds no NUL in text or jsonb, nor a lone surrogate in jsonb, so no task or execution
  // has one: asking would only fail in the driver (a sink message naming one would be retried forever).
  if (taskName.includes('\u0000') || (typeof value === 'string' && (value.includes('\u0000') || !value.isWellFormed()))) {
    return null;
  }

  const found = await connection.maybeOneFirst(sql.type(idRow)`
    SELECT e.id
    FROM ${tables.execution} e
    JOIN ${tables.task} t ON t.id = e.maintenance_task_id
    WHERE t.nid = ${taskName} AND e.instruction = ${sql.jsonb(value)} AND e.ended_at IS NULL
  `);

  return found === null ? null : toId(found);
};

/** The ids among `executionIds` that are RUNNING. Reads only: no write, no commit to flush. */
export const selectRunningExecutionIds = async (connection: QueryMethods, tables: Tables, {executionIds}: {readonly executionIds: readonly number[]}): Promise<readonly number[]> => {
  return (await connection.anyFirst(sql.type(idRow)`
    SELECT id FROM ${tables.execution}
    WHERE id = ANY(${sql.array(executionIds, 'int8')}) AND ended_at IS NULL
  `)).map(toId);
};

/** Refreshes last_seen_at; returns the ids that are still RUNNING. */
export const touchExecutions = async (connection: QueryMethods, tables: Tables, {executionIds, now}: {readonly executionIds: readonly number[]; readonly now: number}): Promise<readonly number[]> => {
  return (await connection.anyFirst(sql.type(idRow)`
    UPDATE ${tables.execution}
    SET last_seen_at = ${timestamp(now)}
    WHERE id = ANY(${sql.array(executionIds, 'int8')}) AND ended_at IS NULL
    RETURNING id
  `)).map(toId);
};

/**
 * Terminates RUNNING executions whose heartbeat is older than their task's maximum_execution_duration,
 * counting a failed attempt of each instruction (countFailedAttempts): work that crashes its
 * process every time ends dead too. Rows another reaper holds are skipped (SKIP LOCKED), so
 * reapers in several processes never clash.
 */
export const terminateStaleExecutions = async (
  connection: QueryMethods,
  tables: Tables,
  {batchSize, now, reason}: {readonly batchSize: number; readonly now: number; readonly reason: string},
): Promise<readonly FailedAttempt[]> => {
  return (await connection.any(sql.type(failedRow)`
    WITH ended AS (
      UPDATE ${tables.execution} e
      SET state = 'TERMINATED', ended_at = ${timestamp(now)}, terminated_at = ${timestamp(now)}, terminated_reason = ${reason}
      FROM (
        SELECT stale.id
        FROM ${tables.execution} stale
        JOIN ${tables.task} t ON t.id = stale.maintenance_task_id
        WHERE stale.ended_at IS NULL AND stale.last_seen_at < ${timestamp(now)} - t.maximum_execution_duration
        ORDER BY stale.id
        LIMIT ${batchSize}
        FOR UPDATE OF stale SKIP LOCKED
      ) AS reaped
      WHERE e.id = reaped.id AND e.ended_at IS NULL
      RETURNING e.id, e.maintenance_task_id, e.instruction, jsonb_build_object('code', 'EXECUTION_TERMINATED', 'message', e.terminated_reason) AS error
    ),
    ${countFailedAttempts(tables, now)}
    ${selectFailedAttempts}
  `)).map(withNumberId);
};
