import type {TaskInstruction} from '../../planton/types.ts';
import type {SqliteQueries} from './createSqliteQueries.ts';
import type {SqliteTables} from './createSqliteTables.ts';

/** The code of the error a sink records when it releases an execution whose message the broker did not confirm (SinkPublishError). */
const SINK_RELEASE_CODE = 'SINK_PUBLISH_FAILED';

/**
 * Puts an execution a sink released (FAILED with SINK_PUBLISH_FAILED) back to RUNNING (heartbeat
 * now) and takes back the failed attempt its release counted (call it inside
 * runImmediateTransaction). Null when the execution is not FAILED by a release, its end is not the
 * last one counted for its instruction, or another execution of the instruction is RUNNING: the
 * same rule as the PostgreSQL store's reviveExecution.
 */
export const reviveSqliteExecution = (
  queries: SqliteQueries,
  tables: SqliteTables,
  {executionId, now}: {readonly executionId: number; readonly now: number},
): {readonly id: number; readonly instruction: TaskInstruction; readonly taskName: string} | null => {
  const [row] = queries.all(`
    SELECT e.id, e.maintenance_task_id, e.instruction, t.nid
    FROM ${tables.execution} e
    JOIN ${tables.task} t ON t.id = e.maintenance_task_id
    JOIN ${tables.retry} r ON r.maintenance_task_id = e.maintenance_task_id AND r.instruction = e.instruction AND r.last_execution_id = e.id
    WHERE e.id = ? AND e.state = 'FAILED' AND json_extract(e.error, '$.code') = ?
      AND NOT EXISTS (
        SELECT 1 FROM ${tables.execution} active_execution
        WHERE active_execution.maintenance_task_id = e.maintenance_task_id
          AND active_execution.instruction = e.instruction
          AND active_execution.ended_at IS NULL
      )
  `, executionId, SINK_RELEASE_CODE);

  if (row === undefined) {
    return null;
  }

  queries.all(`UPDATE ${tables.execution} SET state = 'RUNNING', ended_at = NULL, error = NULL, last_seen_at = ? WHERE id = ?`, now, executionId);
  queries.all(`
    UPDATE ${tables.retry}
    SET failed_attempt_count = failed_attempt_count - 1, retry_at = ?1, dead_at = NULL, updated_at = ?1
    WHERE maintenance_task_id = ?2 AND instruction = ?3
  `, now, row.maintenance_task_id as number, row.instruction as number | string);

  return {id: Number(row.id), instruction: typeof row.instruction === 'string' ? row.instruction : Number(row.instruction), taskName: String(row.nid)};
};
