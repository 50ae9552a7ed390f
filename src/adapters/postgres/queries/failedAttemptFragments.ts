/** The CTE fragments that count (or clear) an instruction's failed attempts in the statement that ends its execution. */
import {sql} from 'slonik';
import type {Tables} from './createTables.ts';
import {timestamp} from './rows.ts';

/**
 * The CTE `counted` that counts a failed attempt for each row of the CTE `ended` (id,
 * maintenance_task_id, instruction, error: executions that just ended FAILED or TERMINATED) in
 * the instruction's retry row, in the same statement as the end: attempt n is followed by a wait of
 * least(maximum_retry_delay, retry_delay × 2^(n − 1)) (calculateBackoffDelay's rule, with the task
 * row's policy, so an operator's tuning applies at once), and makes the instruction dead once n
 * reaches maximum_attempt_count. Returns per row the attempt count and whether it became dead now.
 * The existing row is read from the statement's snapshot: one instruction has one RUNNING execution
 * at a time, so its ends never race.
 */
export const countFailedAttempts = (tables: Tables, now: number) => {
  return sql.fragment`
    attempted AS (
      SELECT
        ended.id, ended.maintenance_task_id, ended.instruction, ended.error, t.nid,
        coalesce(previous.failed_attempt_count, 0) + 1 AS attempts,
        previous.dead_at AS previous_dead_at,
        t.maximum_attempt_count, t.retry_delay, t.maximum_retry_delay
      FROM ended
      JOIN ${tables.task} t ON t.id = ended.maintenance_task_id
      LEFT JOIN ${tables.retry} previous ON previous.maintenance_task_id = ended.maintenance_task_id AND previous.instruction = ended.instruction
    ),
    counted AS (
      INSERT INTO ${tables.retry} AS r (maintenance_task_id, instruction, failed_attempt_count, retry_at, dead_at, last_execution_id, last_error, updated_at)
      SELECT
        a.maintenance_task_id, a.instruction, a.attempts,
        ${timestamp(now)} + least(a.maximum_retry_delay, a.retry_delay * power(2, least(a.attempts - 1, 30))),
        CASE WHEN a.previous_dead_at IS NOT NULL THEN a.previous_dead_at WHEN a.attempts >= a.maximum_attempt_count THEN ${timestamp(now)} END,
        a.id, a.error, ${timestamp(now)}
      FROM attempted a
      ON CONFLICT (maintenance_task_id, instruction) DO UPDATE SET
        failed_attempt_count = excluded.failed_attempt_count,
        retry_at = excluded.retry_at,
        dead_at = excluded.dead_at,
        last_execution_id = excluded.last_execution_id,
        last_error = excluded.last_error,
        updated_at = excluded.updated_at
      RETURNING r.last_execution_id
    )
  `;
};

/** The rows of `attempted` (see countFailedAttempts), as FailedAttempt rows. */
export const selectFailedAttempts = sql.fragment`
  SELECT a.id, a.instruction, a.nid AS "taskName", a.attempts, a.error,
    (a.previous_dead_at IS NULL AND a.attempts >= a.maximum_attempt_count) AS dead
  FROM attempted a
  JOIN counted ON counted.last_execution_id = a.id
  ORDER BY a.id
`;

/** The CTE `cleared`: a COMPLETED end (the CTE `ended`) forgets its instruction's failed attempts. */
export const clearFailedAttempts = (tables: Tables) => {
  return sql.fragment`
    cleared AS (
      DELETE FROM ${tables.retry} r
      USING ended
      WHERE r.maintenance_task_id = ended.maintenance_task_id AND r.instruction = ended.instruction
    )
  `;
};
