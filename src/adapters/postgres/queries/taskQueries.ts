/** Queries on `maintenance_task`: a task's id, limits and active instructions. */
import {sql} from 'slonik';
import type {TaskInstruction} from '../../../planton/types.ts';
import type {QueryMethods} from '../createPreparedStatements.ts';
import type {Tables} from './createTables.ts';
import {countRow, idRow, instructionRow} from './rows.ts';

export const selectActiveTaskInstructions = async (connection: QueryMethods, tables: Tables, taskName: string): Promise<readonly TaskInstruction[]> => {
  return await connection.anyFirst(sql.type(instructionRow)`
    SELECT e.instruction
    FROM ${tables.execution} e
    JOIN ${tables.task} t ON t.id = e.maintenance_task_id
    WHERE t.nid = ${taskName} AND e.ended_at IS NULL
    ORDER BY e.id
  `);
};

/** The same, by the task's id (one index scan, no join): what the store asks once it knows the id. */
export const selectActiveTaskInstructionsById = async (connection: QueryMethods, tables: Tables, taskId: number): Promise<readonly TaskInstruction[]> => {
  return await connection.anyFirst(sql.type(instructionRow)`
    SELECT instruction
    FROM ${tables.execution}
    WHERE maintenance_task_id = ${taskId} AND ended_at IS NULL
    ORDER BY id
  `);
};

/** The task's id; inserts the row with the given limits when the task is new. */
export const upsertTask = async (
  connection: QueryMethods,
  tables: Tables,
  {maxAttempts, maxConcurrentExecutionCount, maxExecutionDuration, maxRetryDelay, retryDelay, taskName}: {
    readonly maxAttempts: number;
    readonly maxConcurrentExecutionCount: number;
    readonly maxExecutionDuration: number;
    readonly maxRetryDelay: number;
    readonly retryDelay: number;
    readonly taskName: string;
  },
): Promise<number> => {
  // A concurrent insert of the same nid commits between our INSERT … DO NOTHING and our statement's
  // snapshot; a second attempt then sees it.
  for (let attempt = 0; ; attempt++) {
    const taskId = await connection.maybeOneFirst(sql.type(idRow)`
      WITH inserted AS (
        INSERT INTO ${tables.task} (nid, maximum_execution_duration, maximum_concurrent_execution_count, maximum_attempt_count, retry_delay, maximum_retry_delay)
        VALUES (
          ${taskName}, make_interval(secs => ${maxExecutionDuration / 1_000}), ${maxConcurrentExecutionCount},
          ${maxAttempts}, make_interval(secs => ${retryDelay / 1_000}), make_interval(secs => ${maxRetryDelay / 1_000})
        )
        ON CONFLICT (nid) DO NOTHING
        RETURNING id
      )
      SELECT id FROM inserted
      UNION ALL
      SELECT id FROM ${tables.task} WHERE nid = ${taskName}
      LIMIT 1
    `);

    if (taskId !== null || attempt > 0) {
      if (taskId === null) {
        throw new Error(`Task \`${taskName}\` was neither inserted nor found.`);
      }

      return taskId;
    }
  }
};

export const selectMaximumConcurrentExecutionCount = async (connection: QueryMethods, tables: Tables, taskName: string): Promise<number | null> => {
  return await connection.maybeOneFirst(sql.type(countRow)`
    SELECT maximum_concurrent_execution_count AS count FROM ${tables.task} WHERE nid = ${taskName}
  `);
};
