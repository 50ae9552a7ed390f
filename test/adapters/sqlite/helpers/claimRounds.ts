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
 * Claims with `concurrency` until this store claimed `quota` items (or none is left), keeping each
 * execution RUNNING for a round or two before completing it, and checks after each claim (on the
 * store's connection, a fresh read) how many executions of the task run across every process.
 * With quotas that add up to the items, every store gets its share whoever starts first. Resolves
 * with the instructions it claimed and the most it saw running.
 */
export const claimRounds = async (store: SqliteStore<number>, concurrency: number, quota: number): Promise<{readonly claimed: readonly number[]; readonly maximum: number}> => {
  const claimed: number[] = [];
  const held: Array<{readonly executionId: number; age: number}> = [];
  const countLeft = () => Number(store.database.prepare('SELECT count(*) AS count FROM item WHERE processed_count = 0').get()?.count);
  let maximum = 0;

  while (held.length > 0 || (claimed.length < quota && countLeft() > 0)) {
    const limit = Math.min(concurrency, quota - claimed.length);
    const executions = limit === 0 ? [] : await store.claimExecutions({claim: markingClaim, concurrency, limit, taskName: TASK_NAME});
    const running = store.database.prepare(`SELECT count(*) AS count FROM ${store.tablePrefix}maintenance_task_execution WHERE ended_at IS NULL`).get()?.count;

    maximum = Math.max(maximum, Number(running));

    for (const execution of executions) {
      claimed.push(execution.instruction);
      held.push({age: 0, executionId: execution.executionId});
    }

    const done = held.filter((execution) => ++execution.age > (execution.executionId % 2) + 1);

    if (done.length > 0) {
      await store.completeExecutions(done.map(({executionId}) => ({executionId})));
      held.splice(0, held.length, ...held.filter((execution) => !done.includes(execution)));
    }

    await yieldToEventLoop();
  }

  return {claimed, maximum};
};
