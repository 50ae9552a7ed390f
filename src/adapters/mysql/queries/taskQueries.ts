/** Queries on the task table: a task's id, its limits, its row lock, and its active instructions. */
import type {RowDataPacket} from 'mysql2/promise';
import type {TaskInstruction} from '../../../planton/types.ts';
import type {MysqlTables} from '../createMysqlTables.ts';
import {decodeInstruction, hashText} from '../encodeInstruction.ts';
import type {MysqlQueryable} from '../types.ts';
import {isRunning, runStatement, selectRows, toId} from './rows.ts';

/**
 * The task's id; inserts the row with the given limits when the task is new, and leaves an
 * existing row (tuned by an operator) alone. `id = LAST_INSERT_ID(id)` makes the duplicate's id
 * the statement's insertId, so one statement answers either way, also when another process
 * inserts the same task at once (the unique key on nid_hash serializes the two).
 */
export const upsertTask = async (
  connection: MysqlQueryable,
  tables: MysqlTables,
  {maxAttempts, maxConcurrentExecutionCount, maxExecutionDuration, maxRetryDelay, retryDelay, taskName}: {
    readonly maxAttempts: number;
    readonly maxConcurrentExecutionCount: number;
    readonly maxExecutionDuration: number;
    readonly maxRetryDelay: number;
    readonly retryDelay: number;
    readonly taskName: string;
  },
): Promise<number> => {
  const header = await runStatement(connection, `
    INSERT INTO ${tables.task} (nid, maximum_execution_duration, maximum_concurrent_execution_count, maximum_attempt_count, retry_delay, maximum_retry_delay)
    VALUES (?, ?, ?, ?, ?, ?)
    ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)
  `, [taskName, Math.ceil(maxExecutionDuration), maxConcurrentExecutionCount, maxAttempts, Math.ceil(retryDelay), Math.ceil(maxRetryDelay)]);

  return toId(header.insertId);
};

/** The condition matching the task named `?` by its hashed, unique name (and the name itself). */
export const TASK_BY_NAME = 't.nid_hash = ? AND t.nid = ?';

export const taskNameValues = (taskName: string): readonly unknown[] => [hashText(taskName), taskName];

export const selectMaximumConcurrentExecutionCount = async (connection: MysqlQueryable, tables: MysqlTables, taskName: string): Promise<number | null> => {
  const [row] = await selectRows(connection, `SELECT t.maximum_concurrent_execution_count AS count FROM ${tables.task} t WHERE ${TASK_BY_NAME}`, taskNameValues(taskName));

  return row === undefined ? null : Number(row.count);
};

/**
 * The instructions of `rows` (id, instruction) in id order. Sorted here, not by ORDER BY: the rows
 * come from the unique key's range in hash order, and MariaDB sorts rows holding a TEXT column by
 * reading each row again after the sort.
 */
const byId = (rows: readonly RowDataPacket[]): readonly TaskInstruction[] => {
  return rows.map((row) => ({id: toId(row.id), instruction: row.instruction})).sort((a, b) => a.id - b.id).map((row) => decodeInstruction(row.instruction));
};

/** The task's RUNNING instructions, oldest first. */
export const selectActiveInstructions = async (connection: MysqlQueryable, tables: MysqlTables, taskId: number): Promise<readonly TaskInstruction[]> => {
  const rows = await selectRows(connection, `
    SELECT id, instruction FROM ${tables.execution}
    WHERE maintenance_task_id = ? AND ${isRunning()}
  `, [taskId]);

  return byId(rows);
};

/**
 * Locks the task's claim-lock row exclusively (inserting it when the task has none) and its task
 * row shared, to the end of the transaction, then counts its RUNNING executions: claims of one task
 * with a concurrency go one at a time across every process, each counting what the ones before it
 * committed (READ COMMITTED). The task row is only shared: InnoDB's foreign key checks of the
 * completions and failures of the task's executions take shared locks on it, which an exclusive
 * lock would make wait for the claim (and the claim for them); the shared lock still waits for a
 * claim of an older version of the store, which locks the task row exclusively.
 */
export const lockTaskAndCountRunning = async (connection: MysqlQueryable, tables: MysqlTables, taskId: number): Promise<number> => {
  await runStatement(connection, `
    INSERT INTO ${tables.claimLock} (maintenance_task_id) VALUES (?)
    ON DUPLICATE KEY UPDATE maintenance_task_id = VALUES(maintenance_task_id)
  `, [taskId]);
  await selectRows(connection, `SELECT id FROM ${tables.task} WHERE id = ? LOCK IN SHARE MODE`, [taskId]);

  const [row] = await selectRows(connection, `
    SELECT COUNT(*) AS count FROM ${tables.execution} WHERE maintenance_task_id = ? AND ${isRunning()}
  `, [taskId]);

  return Number(row?.count ?? 0);
};

/** The same, by the task's name (a task not registered yet has none). */
export const selectActiveInstructionsByName = async (connection: MysqlQueryable, tables: MysqlTables, taskName: string): Promise<readonly TaskInstruction[]> => {
  if (!taskName.isWellFormed()) {
    return [];
  }

  const rows = await selectRows(connection, `
    SELECT e.id, e.instruction FROM ${tables.execution} e
    JOIN ${tables.task} t ON t.id = e.maintenance_task_id
    WHERE ${TASK_BY_NAME} AND ${isRunning('e')}
  `, taskNameValues(taskName));

  return byId(rows);
};
