import {setImmediate as yieldToEventLoop} from 'node:timers/promises';
import type {SqliteClaim, SqliteStore} from '../../../../src/adapters/sqlite/types.ts';

export const TASK_NAME = 'items';

/** Marks unprocessed items that have no RUNNING execution as processed, in the claim's transaction, and returns them. */
export const markingClaim: SqliteClaim<number> = ({isActiveInstruction, limit, query}) => {
  return query(`
    UPDATE item SET processed_count = processed_count + 1
    WHERE id IN (SELECT i.id FROM item i WHERE i.processed_count = 0 AND NOT ${isActiveInstruction('i.id')} ORDER BY i.id LIMIT ?)
    RETURNING id
  `, limit).map((row) => Number(row.id));
};

/**
 * Claims with `concurrency` until no item is left, keeping each execution RUNNING for a round or
 * two before completing it, and checks after each claim (on the store's connection, a fresh read)
 * how many executions of the task run across every process. Resolves with the instructions it
 * claimed and the most it saw running.
 */
export const claimRounds = async (store: SqliteStore<number>, concurrency: number): Promise<{readonly claimed: readonly number[]; readonly maximum: number}> => {
  const claimed: number[] = [];
  const held: Array<{readonly executionId: number; age: number}> = [];
  let maximum = 0;
  let idle = 0;

  while (idle < 20) {
    const executions = await store.claimExecutions({claim: markingClaim, concurrency, limit: concurrency, taskName: TASK_NAME});
    const running = store.database.prepare(`SELECT count(*) AS count FROM ${store.tablePrefix}maintenance_task_execution WHERE ended_at IS NULL`).get()?.count;

    maximum = Math.max(maximum, Number(running));

    for (const execution of executions) {
      claimed.push(execution.instruction);
      held.push({age: 0, executionId: execution.executionId});
    }

    idle = executions.length === 0 && held.length === 0 ? idle + 1 : 0;

    const done = held.filter((execution) => ++execution.age > (execution.executionId % 2) + 1);

    if (done.length > 0) {
      await store.completeExecutions(done.map(({executionId}) => ({executionId})));
      held.splice(0, held.length, ...held.filter((execution) => !done.includes(execution)));
    }

    await yieldToEventLoop();
  }

  return {claimed, maximum};
};
