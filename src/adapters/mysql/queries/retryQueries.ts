/** Queries on the retry table: retry an instruction, list the dead ones. */
import type {TaskInstruction} from '../../../planton/types.ts';
import type {MysqlTables} from '../createMysqlTables.ts';
import {decodeInstruction, encodeInstruction, isStorableInstruction} from '../encodeInstruction.ts';
import type {MysqlQueryable} from '../types.ts';
import {runStatement, selectRows, toId} from './rows.ts';
import {TASK_BY_NAME, taskNameValues} from './taskQueries.ts';

/**
 * Forgets the failed attempts of an instruction (dead or waiting for its retry): it is claimable
 * again at once, from attempt 1. False when it had none.
 */
export const deleteInstructionRetry = async (
  connection: MysqlQueryable,
  tables: MysqlTables,
  {instruction, taskName}: {readonly instruction: TaskInstruction; readonly taskName: string},
): Promise<boolean> => {
  if (!isStorableInstruction(instruction) || !taskName.isWellFormed()) {
    return false;
  }

  const {hash} = encodeInstruction(instruction);
  const header = await runStatement(connection, `
    DELETE r FROM ${tables.retry} r
    JOIN ${tables.task} t ON t.id = r.maintenance_task_id
    WHERE ${TASK_BY_NAME} AND r.instruction_hash = ?
  `, [...taskNameValues(taskName), hash]);

  return header.affectedRows > 0;
};

export type DeadInstructionRow = {
  readonly attempts: number;
  readonly deadAt: number;
  readonly error: unknown;
  readonly executionId: number;
  readonly instruction: TaskInstruction;
  readonly taskName: string;
};

/** The dead instructions, newest first (of one task when `taskName` is given). */
export const selectDeadInstructions = async (
  connection: MysqlQueryable,
  tables: MysqlTables,
  {limit, taskName}: {readonly limit: number; readonly taskName: string | null},
): Promise<readonly DeadInstructionRow[]> => {
  const rows = await selectRows(connection, `
    SELECT t.nid, r.instruction, r.failed_attempt_count, r.last_error, r.last_execution_id, r.dead_at
    FROM ${tables.retry} r
    JOIN ${tables.task} t ON t.id = r.maintenance_task_id
    WHERE r.dead_at IS NOT NULL ${taskName === null ? '' : `AND ${TASK_BY_NAME}`}
    ORDER BY r.dead_at DESC, r.last_execution_id DESC
    LIMIT ?
  `, [...taskName === null ? [] : taskNameValues(taskName), limit]);

  return rows.map((row) => ({
    attempts: Number(row.failed_attempt_count),
    deadAt: Number(row.dead_at),
    error: JSON.parse(String(row.last_error)) as unknown,
    executionId: toId(row.last_execution_id),
    instruction: decodeInstruction(row.instruction),
    taskName: String(row.nid),
  }));
};

/** The code of the error a sink records when it releases an execution whose message the broker did not confirm (SinkPublishError). */
const SINK_RELEASE_CODE = 'SINK_PUBLISH_FAILED';

const getErrorCode = (json: unknown): unknown => {
  try {
    return (JSON.parse(String(json)) as {readonly code?: unknown} | null)?.code;
  } catch {
    return undefined;
  }
};

/**
 * Inside the caller's transaction: puts an execution a sink released (FAILED with
 * SINK_PUBLISH_FAILED) back to RUNNING (heartbeat now) and takes back the failed attempt its
 * release counted: its message reached the broker after all. Null (nothing changed) when the
 * execution is not FAILED by a release, its end is not the last one counted for its instruction, or
 * another execution of the instruction is RUNNING (the unique key refuses the update: the caller
 * rolls back). The execution's row and its retry row are locked, so two revivals never both succeed.
 */
export const reviveExecution = async (
  connection: MysqlQueryable,
  tables: MysqlTables,
  {executionId, now}: {readonly executionId: number; readonly now: number},
): Promise<{readonly id: number; readonly instruction: TaskInstruction; readonly taskName: string} | null> => {
  const [execution] = await selectRows(connection, `
    SELECT id, maintenance_task_id, instruction, instruction_hash, error FROM ${tables.execution}
    WHERE id = ? AND state = 'FAILED'
    FOR UPDATE
  `, [executionId]);

  if (execution === undefined || getErrorCode(execution.error) !== SINK_RELEASE_CODE) {
    return null;
  }

  const [retry] = await selectRows(connection, `
    SELECT failed_attempt_count FROM ${tables.retry}
    WHERE maintenance_task_id = ? AND instruction_hash = ? AND last_execution_id = ?
    FOR UPDATE
  `, [execution.maintenance_task_id, execution.instruction_hash, executionId]);

  if (retry === undefined) {
    return null;
  }

  await runStatement(connection, `
    UPDATE ${tables.execution} SET state = 'RUNNING', ended_at = NULL, error = NULL, last_seen_at = ? WHERE id = ?
  `, [now, executionId]);
  await runStatement(connection, `
    UPDATE ${tables.retry}
    SET failed_attempt_count = GREATEST(failed_attempt_count - 1, 0), retry_at = ?, dead_at = NULL, updated_at = ?
    WHERE maintenance_task_id = ? AND instruction_hash = ?
  `, [now, now, execution.maintenance_task_id, execution.instruction_hash]);

  const [task] = await selectRows(connection, `SELECT nid FROM ${tables.task} WHERE id = ?`, [execution.maintenance_task_id]);

  return {id: toId(execution.id), instruction: decodeInstruction(execution.instruction), taskName: String(task?.nid)};
};
