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
