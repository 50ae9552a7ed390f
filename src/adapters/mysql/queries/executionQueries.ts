/** Queries on executions: record what a claim took, find RUNNING ones, refresh their heartbeat, find stale ones. */
import type {TaskInstruction} from '../../../planton/types.ts';
import type {MysqlTables} from '../createMysqlTables.ts';
import {decodeInstruction, encodeInstruction, isStorableInstruction} from '../encodeInstruction.ts';
import type {MysqlQueryable} from '../types.ts';
import {isRunning, runStatement, selectRows, toId} from './rows.ts';
import {TASK_BY_NAME, taskNameValues} from './taskQueries.ts';

/**
 * Records a RUNNING execution per instruction, each with the claim's `token`, and reads them back
 * (MySQL has no RETURNING) in the claim's order. An instruction that already has one (claimed by
 * another process meanwhile) hits the unique key on active_instruction_hash: ON DUPLICATE KEY
 * leaves that row as it is, and the instruction is left out of the result.
 */
export const insertExecutions = async (
  connection: MysqlQueryable,
  tables: MysqlTables,
  {hostname, instructions, now, returning, taskId, token}: {
    readonly hostname: string;
    readonly instructions: readonly TaskInstruction[];
    readonly now: number;
    /** The server supports INSERT … RETURNING (MariaDB, supportsInsertReturning): one statement instead of two. */
    readonly returning: boolean;
    readonly taskId: number;
    readonly token: string;
  },
): Promise<ReadonlyArray<{readonly id: number; readonly instruction: TaskInstruction}>> => {
  const rows = instructions.map((instruction) => {
    const {hash, json} = encodeInstruction(instruction);

    return [taskId, json, hash, hostname, now, now, token];
  });

  if (returning) {
    // The duplicates come back too, as they are: another claim's token tells them apart.
    const returned = await selectRows(connection, `
      INSERT INTO ${tables.execution} (maintenance_task_id, instruction, instruction_hash, hostname, started_at, last_seen_at, claim_token)
      VALUES ?
      ON DUPLICATE KEY UPDATE id = id
      RETURNING id, instruction, claim_token
    `, [rows]);

    return returned
      .filter((row) => row.claim_token === token)
      .map((row) => ({id: toId(row.id), instruction: decodeInstruction(row.instruction)}))
      .sort((a, b) => a.id - b.id);
  }

  const header = await runStatement(connection, `
    INSERT INTO ${tables.execution} (maintenance_task_id, instruction, instruction_hash, hostname, started_at, last_seen_at, claim_token)
    VALUES ?
    ON DUPLICATE KEY UPDATE id = id
  `, [rows]);

  // Every instruction was RUNNING elsewhere: nothing recorded, nothing to read back.
  if (header.affectedRows === 0) {
    return [];
  }

  // By the primary key from the statement's insertId on (claim_token has no index): the first id
  // it generated, or (ON DUPLICATE KEY) a duplicate's older one, never above an id it generated,
  // since one statement's auto-increment values only grow.
  const from = Number.isSafeInteger(header.insertId) && header.insertId > 0 ? header.insertId : 0;
  const inserted = await selectRows(connection, `
    SELECT id, instruction FROM ${tables.execution}
    WHERE id >= ? AND maintenance_task_id = ? AND claim_token = ?
    ORDER BY id
  `, [from, taskId, token]);

  return inserted.map((row) => ({id: toId(row.id), instruction: decodeInstruction(row.instruction)}));
};

/** The id of the instruction's RUNNING execution, or null. */
export const selectRunningExecutionId = async (
  connection: MysqlQueryable,
  tables: MysqlTables,
  {instruction, taskName}: {readonly instruction: TaskInstruction; readonly taskName: string},
): Promise<number | null> => {
  // No execution holds what the tables cannot (a lone surrogate, a non-finite number): asking
  // could only match another instruction's hash.
  if (!isStorableInstruction(instruction) || !taskName.isWellFormed()) {
    return null;
  }

  const {hash, json} = encodeInstruction(instruction);
  const [row] = await selectRows(connection, `
    SELECT e.id
    FROM ${tables.execution} e
    JOIN ${tables.task} t ON t.id = e.maintenance_task_id
    WHERE ${TASK_BY_NAME} AND e.active_instruction_hash = ? AND e.instruction = ?
  `, [...taskNameValues(taskName), hash, json]);

  return row === undefined ? null : toId(row.id);
};

/** The ids among `executionIds` that are RUNNING. Reads only. */
export const selectRunningExecutionIds = async (connection: MysqlQueryable, tables: MysqlTables, executionIds: readonly number[]): Promise<readonly number[]> => {
  if (executionIds.length === 0) {
    return [];
  }

  const rows = await selectRows(connection, `SELECT id FROM ${tables.execution} WHERE id IN (?) AND ended_at IS NULL`, [executionIds]);

  return rows.map((row) => toId(row.id));
};

/** Refreshes last_seen_at of the RUNNING executions among `executionIds`; returns the ids that are RUNNING. */
export const touchExecutions = async (connection: MysqlQueryable, tables: MysqlTables, {executionIds, now}: {readonly executionIds: readonly number[]; readonly now: number}): Promise<readonly number[]> => {
  if (executionIds.length === 0) {
    return [];
  }

  await runStatement(connection, `UPDATE ${tables.execution} SET last_seen_at = ? WHERE id IN (?) AND ended_at IS NULL`, [now, executionIds]);

  return await selectRunningExecutionIds(connection, tables, executionIds);
};

/** RUNNING executions whose heartbeat is older than their task's maximum_execution_duration, oldest first. Reads only. */
export const selectStaleExecutionIds = async (connection: MysqlQueryable, tables: MysqlTables, {limit, now}: {readonly limit: number; readonly now: number}): Promise<readonly number[]> => {
  const rows = await selectRows(connection, `
    SELECT e.id
    FROM ${tables.execution} e
    JOIN ${tables.task} t ON t.id = e.maintenance_task_id
    WHERE ${isRunning('e')} AND e.last_seen_at < ? - t.maximum_execution_duration
    ORDER BY e.id
    LIMIT ?
  `, [now, limit]);

  return rows.map((row) => toId(row.id));
};
