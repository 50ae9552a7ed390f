/** Ending RUNNING executions (COMPLETED, FAILED, TERMINATED), counting or clearing their instructions' failed attempts. */
import type {TaskInstruction} from '../../../planton/types.ts';
import {calculateFailedAttempt} from '../calculateFailedAttempt.ts';
import type {MysqlTables} from '../createMysqlTables.ts';
import {decodeInstruction} from '../encodeInstruction.ts';
import type {MysqlQueryable} from '../types.ts';
import {runStatement, selectRows, toId, toNullableNumber} from './rows.ts';

/** An execution that ended; `attempts` and `dead` are null for a COMPLETED one. */
export type EndedExecution = {
  readonly attempts: number | null;
  readonly dead: boolean | null;
  /** The error recorded (parsed JSON), null for a COMPLETED one. */
  readonly error: unknown;
  readonly id: number;
  readonly instruction: TaskInstruction;
  /** The task's name; null for a COMPLETED one (not read: nothing reports completions by name). */
  readonly taskName: string | null;
};

export type EndExecutionsConfiguration = {
  /** The executions to end and, for FAILED and TERMINATED, the error to record (JSON text). */
  readonly ends: ReadonlyArray<{readonly error: string | null; readonly id: number}>;
  readonly now: number;
  /** TERMINATED only: why (terminated_reason). */
  readonly reason?: string;
  /** Skip executions another transaction holds (the reaper: whoever holds them is ending them). */
  readonly skipLocked?: boolean;
  readonly state: 'COMPLETED' | 'FAILED' | 'TERMINATED';
};

/**
 * Ends the RUNNING executions among `ends`, inside the caller's transaction: locks them (so that a
 * completion, a failure and the reaper never end one execution twice), ends them, and for FAILED or
 * TERMINATED counts a failed attempt of each instruction in its retry row (calculateFailedAttempt,
 * with the task row's policy, so an operator's tuning applies at once), or for COMPLETED deletes
 * the row. Resolves with what it ended, in id order. One instruction has one RUNNING execution at a
 * time, so its ends never race on the retry row.
 */
export const endExecutions = async (connection: MysqlQueryable, tables: MysqlTables, {ends, now, reason = '', skipLocked = false, state}: EndExecutionsConfiguration): Promise<readonly EndedExecution[]> => {
  if (ends.length === 0) {
    return [];
  }

  const errors = new Map(ends.map(({error, id}) => [id, error]));
  // The execution rows alone are locked: the task rows are read without a lock below, so that an
  // end never waits for (or deadlocks with) a claim holding its task's row.
  const locked = await selectRows(connection, `
    SELECT id, maintenance_task_id, instruction, instruction_hash
    FROM ${tables.execution}
    WHERE id IN (?) AND ended_at IS NULL
    ORDER BY id
    FOR UPDATE${skipLocked ? ' SKIP LOCKED' : ''}
  `, [[...errors.keys()]]);

  if (locked.length === 0) {
    return [];
  }

  const ids = locked.map((row) => toId(row.id));

  if (state === 'COMPLETED') {
    await runStatement(connection, `UPDATE ${tables.execution} SET state = 'COMPLETED', ended_at = ? WHERE id IN (?)`, [now, ids]);
  } else {
    // Each execution with its own error: a derived table of (id, error) joined to the executions.
    const failures = ids.map((id) => [id, state === 'TERMINATED' ? null : errors.get(id) ?? 'null']);

    await runStatement(connection, `
      UPDATE ${tables.execution} e
      JOIN (${failures.map(() => 'SELECT ? AS id, ? AS error').join(' UNION ALL ')}) f ON f.id = e.id
      SET e.state = ?, e.ended_at = ?, e.error = f.error, e.terminated_at = ?, e.terminated_reason = ?
    `, [...failures.flat(), state, now, state === 'TERMINATED' ? now : null, state === 'TERMINATED' ? reason : null]);
  }

  const keys = locked.map((row) => [Number(row.maintenance_task_id), row.instruction_hash as Buffer]);

  if (state === 'COMPLETED') {
    // Joined from the executions' ids, not a list of (task, hash) pairs: thousands of 32-byte keys
    // as row constructors cost MariaDB more to parse and match than the primary key lookups.
    await runStatement(connection, `
      DELETE r FROM ${tables.retry} r
      JOIN ${tables.execution} e ON r.maintenance_task_id = e.maintenance_task_id AND r.instruction_hash = e.instruction_hash
      WHERE e.id IN (?)
    `, [ids]);

    return locked.map((row) => ({
      attempts: null,
      dead: null,
      error: null,
      id: toId(row.id),
      instruction: decodeInstruction(row.instruction),
      taskName: null,
    }));
  }

  const tasks = await selectRows(connection, `
    SELECT id, nid, maximum_attempt_count, retry_delay, maximum_retry_delay FROM ${tables.task} WHERE id IN (?)
  `, [[...new Set(locked.map((row) => Number(row.maintenance_task_id)))]]);
  const taskById = new Map(tasks.map((row) => [Number(row.id), row]));

  const previousRows = await selectRows(connection, `
    SELECT maintenance_task_id, instruction_hash, failed_attempt_count, dead_at FROM ${tables.retry}
    WHERE (maintenance_task_id, instruction_hash) IN (?)
    FOR UPDATE
  `, [keys]);
  const previousByKey = new Map(previousRows.map((row) => [`${String(row.maintenance_task_id)}/${(row.instruction_hash as Buffer).toString('hex')}`, row]));
  const ended: EndedExecution[] = [];
  const retryRows: unknown[][] = [];

  for (const row of locked) {
    const id = toId(row.id);
    const task = taskById.get(Number(row.maintenance_task_id));
    const previous = previousByKey.get(`${String(row.maintenance_task_id)}/${(row.instruction_hash as Buffer).toString('hex')}`);
    const error = state === 'TERMINATED' ? JSON.stringify({code: 'EXECUTION_TERMINATED', message: reason}) : errors.get(id) ?? 'null';
    const attempt = calculateFailedAttempt({
      now,
      policy: {
        maximumAttemptCount: Number(task?.maximum_attempt_count),
        maximumRetryDelay: Number(task?.maximum_retry_delay),
        retryDelay: Number(task?.retry_delay),
      },
      previous: previous === undefined ? null : {deadAt: toNullableNumber(previous.dead_at), failedAttemptCount: Number(previous.failed_attempt_count)},
    });

    retryRows.push([row.maintenance_task_id, row.instruction_hash, row.instruction, attempt.attempts, attempt.retryAt, attempt.deadAt, id, error, now]);
    ended.push({attempts: attempt.attempts, dead: attempt.dead, error: JSON.parse(error) as unknown, id, instruction: decodeInstruction(row.instruction), taskName: String(task?.nid)});
  }

  await runStatement(connection, `
    INSERT INTO ${tables.retry} (maintenance_task_id, instruction_hash, instruction, failed_attempt_count, retry_at, dead_at, last_execution_id, last_error, updated_at)
    VALUES ?
    ON DUPLICATE KEY UPDATE
      instruction = VALUES(instruction),
      failed_attempt_count = VALUES(failed_attempt_count),
      retry_at = VALUES(retry_at),
      dead_at = VALUES(dead_at),
      last_execution_id = VALUES(last_execution_id),
      last_error = VALUES(last_error),
      updated_at = VALUES(updated_at)
  `, [retryRows]);

  return ended;
};
