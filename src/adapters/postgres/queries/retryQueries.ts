/** Queries on `maintenance_task_instruction_retry`: revive a released execution, retry an instruction, list the dead ones. */
import {sql} from 'slonik';
import type {z} from 'zod';
import type {TaskInstruction} from '../../../planton/types.ts';
import type {QueryMethods} from '../createPreparedStatements.ts';
import type {Tables} from './createTables.ts';
import {deadRow, empty, revivedRow, timestamp, toId, withNumberId} from './rows.ts';

/** The code of the error a sink records when it releases an execution whose message the broker did not confirm (SinkPublishError). */
const SINK_RELEASE_CODE = 'SINK_PUBLISH_FAILED';

/**
 * Puts an execution a sink released (FAILED with SINK_PUBLISH_FAILED) back to RUNNING (heartbeat
 * now) and takes back the failed attempt its release counted: its message reached the broker after
 * all (a late confirm, or a worker received it). Null (nothing changed) when the execution is not
 * FAILED by a release, its end is not the last one counted for its instruction (a later attempt
 * ended, or one completed), or another execution of the instruction is RUNNING (the claim took it
 * again meanwhile: that execution's message does the work). `state = 'FAILED'` is repeated in the
 * UPDATE so that of two concurrent revivals the second, rechecking the row, changes nothing.
 */
export const reviveExecution = async (
  connection: QueryMethods,
  tables: Tables,
  {executionId, now}: {readonly executionId: number; readonly now: number},
): Promise<{readonly id: number; readonly instruction: TaskInstruction; readonly taskName: string} | null> => {
  const [row = null] = await connection.any(sql.type(revivedRow)`
    WITH revivable AS (
      SELECT e.id, e.maintenance_task_id, e.instruction
      FROM ${tables.execution} e
      JOIN ${tables.retry} r ON r.maintenance_task_id = e.maintenance_task_id AND r.instruction = e.instruction AND r.last_execution_id = e.id
      WHERE e.id = ${executionId} AND e.state = 'FAILED' AND e.error->>'code' = ${SINK_RELEASE_CODE}
        AND NOT EXISTS (
          SELECT 1 FROM ${tables.execution} active_execution
          WHERE active_execution.maintenance_task_id = e.maintenance_task_id
            AND active_execution.instruction = e.instruction
            AND active_execution.ended_at IS NULL
        )
    ),
    revived AS (
      UPDATE ${tables.execution} e
      SET state = 'RUNNING', ended_at = NULL, error = NULL, last_seen_at = ${timestamp(now)}
      FROM revivable
      WHERE e.id = revivable.id AND e.state = 'FAILED'
      RETURNING e.id, e.maintenance_task_id, e.instruction
    ),
    uncounted AS (
      UPDATE ${tables.retry} r
      SET failed_attempt_count = r.failed_attempt_count - 1, retry_at = ${timestamp(now)}, dead_at = NULL, updated_at = ${timestamp(now)}
      FROM revived
      WHERE r.maintenance_task_id = revived.maintenance_task_id AND r.instruction = revived.instruction
    )
    SELECT revived.id, revived.instruction, t.nid AS "taskName"
    FROM revived
    JOIN ${tables.task} t ON t.id = revived.maintenance_task_id
  `);

  return row === null ? null : withNumberId(row);
};

/**
 * Forgets the failed attempts of an instruction (dead or waiting for its retry): it is claimable
 * again at once, from attempt 1. False when it had none.
 */
export const deleteInstructionRetry = async (
  connection: QueryMethods,
  tables: Tables,
  {instruction: value, taskName}: {readonly instruction: TaskInstruction; readonly taskName: string},
): Promise<boolean> => {
  const result = await connection.query(sql.type(empty)`
    DELETE FROM ${tables.retry} r
    USING ${tables.task} t
    WHERE t.nid = ${taskName} AND r.maintenance_task_id = t.id AND r.instruction = ${sql.jsonb(value)}
  `);

  return result.rowCount > 0;
};

/** The dead instructions, newest first (of one task when `taskName` is given). */
export const selectDeadInstructions = async (
  connection: QueryMethods,
  tables: Tables,
  {limit, taskName}: {readonly limit: number; readonly taskName: string | null},
): Promise<ReadonlyArray<z.infer<typeof deadRow>>> => {
  return (await connection.any(sql.type(deadRow)`
    SELECT
      t.nid AS "taskName", r.instruction, r.failed_attempt_count AS attempts, r.last_error AS error,
      r.last_execution_id AS "executionId", (extract(epoch FROM r.dead_at) * 1000)::float8 AS "deadAt"
    FROM ${tables.retry} r
    JOIN ${tables.task} t ON t.id = r.maintenance_task_id
    WHERE r.dead_at IS NOT NULL AND (${taskName}::text IS NULL OR t.nid = ${taskName}::text)
    ORDER BY r.dead_at DESC, r.last_execution_id DESC
    LIMIT ${limit}
  `)).map((row) => ({...row, executionId: toId(row.executionId)}));
};
