import type {DatabaseSync, SQLInputValue, StatementSync} from 'node:sqlite';
import type {TaskInstruction} from '../../planton/types.ts';
import type {SqliteTables} from './createSqliteTables.ts';
import {bindInstruction} from './toSqliteInstruction.ts';
import type {SqliteRow} from './types.ts';

/** An execution that just ended: its id, task and instruction. */
export type EndedExecution = {
  readonly id: number;
  readonly instruction: TaskInstruction;
  readonly taskId: number;
  readonly taskName: string;
};

/** A task row's retry policy and the instruction's retry row, if any: what counting a failed attempt needs. */
export type RetryContext = {
  readonly deadAt: number | null;
  readonly failedAttemptCount: number;
  readonly maximumAttemptCount: number;
  readonly maximumRetryDelay: number;
  readonly retryDelay: number;
};

export type TaskRow = {
  readonly maxAttempts: number;
  readonly maxConcurrentExecutionCount: number;
  readonly maxExecutionDuration: number;
  readonly maxRetryDelay: number;
  readonly retryDelay: number;
  readonly taskName: string;
};

const toNumber = (value: unknown): number => {
  if (typeof value === 'number') {
    return value;
  }

  if (typeof value === 'bigint') {
    return Number(value);
  }

  throw new TypeError(`Expected a number from SQLite, got ${typeof value}.`);
};

const toNullableNumber = (value: unknown): number | null => value === null || value === undefined ? null : toNumber(value);

const toInstruction = (value: unknown): TaskInstruction => typeof value === 'string' ? value : toNumber(value);

const toEnded = (row: SqliteRow): EndedExecution => ({
  id: toNumber(row.id),
  instruction: toInstruction(row.instruction),
  taskId: toNumber(row.maintenance_task_id),
  taskName: String(row.nid),
});

/**
 * The store's statements on its tables, each prepared once per connection and run synchronously.
 * Every value is a bound parameter; the only text put into SQL is the tables' names (from a
 * validated prefix). Lists of ids go as one JSON parameter read with json_each. None opens a
 * transaction: the store wraps those that must be atomic in runImmediateTransaction.
 */
export const createSqliteQueries = (database: DatabaseSync, tables: SqliteTables) => {
  const cache = new Map<string, StatementSync>();

  const statement = (text: string): StatementSync => {
    let prepared = cache.get(text);

    if (prepared === undefined) {
      prepared = database.prepare(text);
      cache.set(text, prepared);
    }

    return prepared;
  };

  const all = (text: string, ...parameters: SQLInputValue[]) => statement(text).all(...parameters) as readonly SqliteRow[];
  const get = (text: string, ...parameters: SQLInputValue[]) => statement(text).get(...parameters) as SqliteRow | undefined;
  const ids = (values: readonly number[]) => JSON.stringify(values);
  const {execution, retry, task} = tables;

  return {
    all,
    countActive: (taskId: number): number => toNumber(get(`SELECT count(*) AS count FROM ${execution} WHERE maintenance_task_id = ? AND ended_at IS NULL`, taskId)?.count),
    deleteRetry: (taskId: number, instruction: TaskInstruction): void => {
      statement(`DELETE FROM ${retry} WHERE maintenance_task_id = ? AND instruction = ?`).run(taskId, bindInstruction(instruction));
    },
    deleteRetryByName: (taskName: string, instruction: TaskInstruction): boolean => {
      return Number(statement(`DELETE FROM ${retry} WHERE maintenance_task_id = (SELECT id FROM ${task} WHERE nid = ?) AND instruction = ?`).run(taskName, bindInstruction(instruction)).changes) > 0;
    },
    /** Ends a RUNNING execution; undefined when it is not running. */
    endExecution: (id: number, {error, now, reason, state}: {readonly error: string | null; readonly now: number; readonly reason: string | null; readonly state: 'COMPLETED' | 'FAILED' | 'TERMINATED'}): EndedExecution | undefined => {
      const row = get(`
        UPDATE ${execution} SET state = ?, ended_at = ?, error = ?, terminated_at = ?, terminated_reason = ?
        WHERE id = ? AND ended_at IS NULL
        RETURNING id, maintenance_task_id, instruction, (SELECT nid FROM ${task} t WHERE t.id = maintenance_task_id) AS nid
      `, state, now, error, state === 'TERMINATED' ? now : null, reason, id);

      return row === undefined ? undefined : toEnded(row);
    },
    /** Completes the RUNNING executions among `executionIds` in one statement; returns those it ended. */
    completeExecutions: (executionIds: readonly number[], now: number): ReadonlyArray<Omit<EndedExecution, 'taskName'>> => {
      return all(`
        UPDATE ${execution} SET state = 'COMPLETED', ended_at = ?
        WHERE id IN (SELECT value FROM json_each(?)) AND ended_at IS NULL
        RETURNING id, maintenance_task_id, instruction
      `, now, ids(executionIds)).map((row) => ({id: toNumber(row.id), instruction: toInstruction(row.instruction), taskId: toNumber(row.maintenance_task_id)}));
    },
    /** Whether any instruction of any task has failed attempts counted (most of the time none has). */
    hasRetries: (): boolean => get(`SELECT 1 AS found FROM ${retry} LIMIT 1`) !== undefined,
    /**
     * Records a RUNNING execution for each instruction (integers, and strings without NUL: what a
     * JSON array carries exactly) in one statement; returns those recorded, skipping instructions
     * that already have one (the active-execution index).
     */
    insertExecutions: ({hostname, instructions, now, taskId}: {readonly hostname: string; readonly instructions: readonly TaskInstruction[]; readonly now: number; readonly taskId: number}): ReadonlyArray<{readonly id: number; readonly instruction: TaskInstruction}> => {
      // `WHERE true`: without it SQLite would read ON CONFLICT as the SELECT's join constraint.
      return all(`
        INSERT INTO ${execution} (maintenance_task_id, instruction, hostname, started_at, last_seen_at, created_at)
        SELECT ?1, value, ?2, ?3, ?3, ?3 FROM json_each(?4) WHERE true ORDER BY key
        ON CONFLICT DO NOTHING
        RETURNING id, instruction
      `, taskId, hostname, now, JSON.stringify(instructions)).map((row) => ({id: toNumber(row.id), instruction: toInstruction(row.instruction)}));
    },
    /** Records a RUNNING execution; undefined when the instruction already has one (the active-execution index). */
    insertExecution: ({hostname, instruction, now, taskId}: {readonly hostname: string; readonly instruction: TaskInstruction; readonly now: number; readonly taskId: number}): number | undefined => {
      const row = get(`
        INSERT INTO ${execution} (maintenance_task_id, instruction, hostname, started_at, last_seen_at, created_at)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        RETURNING id
      `, taskId, bindInstruction(instruction), hostname, now, now, now);

      return row === undefined ? undefined : toNumber(row.id);
    },
    notifyTask: (taskName: string, now: number): void => {
      statement(`UPDATE ${task} SET notified_at = ? WHERE nid = ?`).run(now, taskName);
    },
    /** The data version of the file: it changes when another connection commits (PRAGMA data_version). */
    readDataVersion: (): number => toNumber(get('PRAGMA data_version')?.data_version),
    selectActiveInstructions: (taskId: number): readonly TaskInstruction[] => {
      return all(`SELECT instruction FROM ${execution} WHERE maintenance_task_id = ? AND ended_at IS NULL ORDER BY id`, taskId).map((row) => toInstruction(row.instruction));
    },
    selectDead: (limit: number, taskName: string | null) => {
      return all(`
        SELECT t.nid, r.instruction, r.failed_attempt_count, r.last_error, r.last_execution_id, r.dead_at
        FROM ${retry} r
        JOIN ${task} t ON t.id = r.maintenance_task_id
        WHERE r.dead_at IS NOT NULL AND (?1 IS NULL OR t.nid = ?1)
        ORDER BY r.dead_at DESC, r.last_execution_id DESC
        LIMIT ?2
      `, taskName, limit).map((row) => ({
        attempts: toNumber(row.failed_attempt_count),
        deadAt: new Date(toNumber(row.dead_at)),
        error: JSON.parse(String(row.last_error)) as unknown,
        executionId: toNumber(row.last_execution_id),
        instruction: toInstruction(row.instruction),
        taskName: String(row.nid),
      }));
    },
    selectRetryContext: (taskId: number, instruction: TaskInstruction): RetryContext => {
      const row = get(`
        SELECT t.maximum_attempt_count, t.retry_delay, t.maximum_retry_delay, r.failed_attempt_count, r.dead_at
        FROM ${task} t
        LEFT JOIN ${retry} r ON r.maintenance_task_id = t.id AND r.instruction = ?
        WHERE t.id = ?
      `, bindInstruction(instruction), taskId);

      return {
        deadAt: toNullableNumber(row?.dead_at),
        failedAttemptCount: toNullableNumber(row?.failed_attempt_count) ?? 0,
        maximumAttemptCount: toNumber(row?.maximum_attempt_count),
        maximumRetryDelay: toNumber(row?.maximum_retry_delay),
        retryDelay: toNumber(row?.retry_delay),
      };
    },
    selectRunningExecutionId: (taskName: string, instruction: TaskInstruction): number | null => {
      const row = get(`
        SELECT e.id FROM ${execution} e JOIN ${task} t ON t.id = e.maintenance_task_id
        WHERE t.nid = ? AND e.instruction = ? AND e.ended_at IS NULL
      `, taskName, bindInstruction(instruction));

      return row === undefined ? null : toNumber(row.id);
    },
    selectRunningIds: (executionIds: readonly number[]): readonly number[] => {
      return all(`SELECT id FROM ${execution} WHERE id IN (SELECT value FROM json_each(?)) AND ended_at IS NULL`, ids(executionIds)).map((row) => toNumber(row.id));
    },
    /** RUNNING executions whose heartbeat is older than their task's limit, oldest first. */
    selectStale: (now: number, limit: number): readonly number[] => {
      return all(`
        SELECT e.id FROM ${execution} e JOIN ${task} t ON t.id = e.maintenance_task_id
        WHERE e.ended_at IS NULL AND e.last_seen_at < ? - t.maximum_execution_duration
        ORDER BY e.id LIMIT ?
      `, now, limit).map((row) => toNumber(row.id));
    },
    selectStoredConcurrency: (taskName: string): number | null => toNullableNumber(get(`SELECT maximum_concurrent_execution_count AS count FROM ${task} WHERE nid = ?`, taskName)?.count),
    selectTaskId: (taskName: string): number | null => toNullableNumber(get(`SELECT id FROM ${task} WHERE nid = ?`, taskName)?.id),
    touch: (executionIds: readonly number[], now: number): readonly number[] => {
      return all(`UPDATE ${execution} SET last_seen_at = ? WHERE id IN (SELECT value FROM json_each(?)) AND ended_at IS NULL RETURNING id`, now, ids(executionIds)).map((row) => toNumber(row.id));
    },
    /** Inserts the task's row when it is new (an existing one, maybe tuned by an operator, is left alone). */
    upsertTask: (definition: TaskRow, now: number): number => {
      statement(`
        INSERT INTO ${task} (nid, maximum_execution_duration, maximum_concurrent_execution_count, maximum_attempt_count, retry_delay, maximum_retry_delay, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (nid) DO NOTHING
      `).run(definition.taskName, Math.ceil(definition.maxExecutionDuration), definition.maxConcurrentExecutionCount, definition.maxAttempts, Math.ceil(definition.retryDelay), Math.ceil(definition.maxRetryDelay), now);

      return toNumber(get(`SELECT id FROM ${task} WHERE nid = ?`, definition.taskName)?.id);
    },
    upsertRetry: ({attempts, deadAt, error, executionId, instruction, now, retryAt, taskId}: {readonly attempts: number; readonly deadAt: number | null; readonly error: string; readonly executionId: number; readonly instruction: TaskInstruction; readonly now: number; readonly retryAt: number; readonly taskId: number}): void => {
      statement(`
        INSERT INTO ${retry} (maintenance_task_id, instruction, failed_attempt_count, retry_at, dead_at, last_execution_id, last_error, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (maintenance_task_id, instruction) DO UPDATE SET
          failed_attempt_count = excluded.failed_attempt_count, retry_at = excluded.retry_at, dead_at = excluded.dead_at,
          last_execution_id = excluded.last_execution_id, last_error = excluded.last_error, updated_at = excluded.updated_at
      `).run(taskId, bindInstruction(instruction), attempts, retryAt, deadAt, executionId, error, now);
    },
  };
};

export type SqliteQueries = ReturnType<typeof createSqliteQueries>;
