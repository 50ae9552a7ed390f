/** Queries that end RUNNING executions (COMPLETED or FAILED), counting or clearing their instructions' failed attempts. */
import {type SerializableValue, sql} from 'slonik';
import type {TaskInstruction} from '../../../planton/types.ts';
import type {ExecutionState} from '../../types.ts';
import type {QueryMethods} from '../createPreparedStatements.ts';
import type {Tables} from './createTables.ts';
import {clearFailedAttempts, countFailedAttempts, selectFailedAttempts} from './failedAttemptFragments.ts';
import {endedRow, type FailedAttempt, failedRow, idRow, timestamp, toId, withNumberId} from './rows.ts';

/**
 * Ends a RUNNING execution: COMPLETED forgets the instruction's failed attempts, FAILED counts one
 * (countFailedAttempts). Resolves with the ended row (`attempts`/`dead` null for COMPLETED), or
 * null when it is not running (unknown or already ended).
 */
export const endExecution = async (
  connection: QueryMethods,
  tables: Tables,
  {error, executionId, now, state}: {readonly error: SerializableValue | null; readonly executionId: number; readonly now: number; readonly state: Exclude<ExecutionState, 'RUNNING' | 'TERMINATED'>},
): Promise<{readonly attempts: number | null; readonly dead: boolean | null; readonly error: unknown; readonly id: number; readonly instruction: TaskInstruction; readonly taskName: string} | null> => {
  const [row = null] = state === 'COMPLETED' ?
    await connection.any(sql.type(endedRow)`
      WITH ended AS (
        UPDATE ${tables.execution}
        SET state = 'COMPLETED', ended_at = ${timestamp(now)}
        WHERE id = ${executionId} AND ended_at IS NULL
        RETURNING id, maintenance_task_id, instruction
      ),
      ${clearFailedAttempts(tables)}
      SELECT ended.id, ended.instruction, t.nid AS "taskName", NULL::int4 AS attempts, NULL::boolean AS dead, NULL::jsonb AS error
      FROM ended
      JOIN ${tables.task} t ON t.id = ended.maintenance_task_id
    `) :
    await connection.any(sql.type(endedRow)`
      WITH ended AS (
        UPDATE ${tables.execution}
        SET state = 'FAILED', ended_at = ${timestamp(now)}, error = ${error === null ? sql.fragment`NULL` : sql.jsonb(error)}
        WHERE id = ${executionId} AND ended_at IS NULL
        RETURNING id, maintenance_task_id, instruction, error
      ),
      ${countFailedAttempts(tables, now)}
      ${selectFailedAttempts}
    `);

  return row === null ? null : withNumberId(row);
};

/** Completes the RUNNING executions among `executionIds` in one statement (forgetting their instructions' failed attempts); returns the ids it completed. */
export const completeExecutions = async (
  connection: QueryMethods,
  tables: Tables,
  {executionIds, now}: {readonly executionIds: readonly number[]; readonly now: number},
): Promise<readonly number[]> => {
  return (await connection.anyFirst(sql.type(idRow)`
    WITH ended AS (
      UPDATE ${tables.execution}
      SET state = 'COMPLETED', ended_at = ${timestamp(now)}
      WHERE id = ANY(${sql.array(executionIds, 'int8')}) AND ended_at IS NULL
      RETURNING id, maintenance_task_id, instruction
    ),
    ${clearFailedAttempts(tables)}
    SELECT id FROM ended
  `)).map(toId);
};

/**
 * Fails the RUNNING executions among `failures` in one statement, each with its error, counting a
 * failed attempt of each instruction (countFailedAttempts); returns what it failed.
 */
export const failExecutions = async (
  connection: QueryMethods,
  tables: Tables,
  {failures, now}: {readonly failures: ReadonlyArray<{readonly error: SerializableValue; readonly id: number}>; readonly now: number},
): Promise<readonly FailedAttempt[]> => {
  return (await connection.any(sql.type(failedRow)`
    WITH ended AS (
      UPDATE ${tables.execution} e
      SET state = 'FAILED', ended_at = ${timestamp(now)}, error = failure.error
      FROM jsonb_to_recordset(${sql.jsonb(failures)}) AS failure(id int8, error jsonb)
      WHERE e.id = failure.id AND e.ended_at IS NULL
      RETURNING e.id, e.maintenance_task_id, e.instruction, e.error
    ),
    ${countFailedAttempts(tables, now)}
    ${selectFailedAttempts}
  `)).map(withNumberId);
};
