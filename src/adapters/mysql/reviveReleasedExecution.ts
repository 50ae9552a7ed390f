import type {Pool} from 'mysql2/promise';
import type {TaskInstruction} from '../../planton/types.ts';
import type {MysqlTables} from './createMysqlTables.ts';
import {reviveExecution} from './queries/index.ts';
import {withMysqlTransaction} from './withMysqlTransaction.ts';

/** mysql2's code of a unique key violation. */
const DUPLICATE_ENTRY = 'ER_DUP_ENTRY';

/**
 * The store's `reviveExecution` in its own transaction: the execution a sink released, RUNNING
 * again, or null when it is not revivable, including when the claim recorded a RUNNING execution
 * of its instruction meanwhile (the unique key refuses the revival, and the transaction rolls back).
 */
export const reviveReleasedExecution = async (pool: Pool, tables: MysqlTables, {executionId, now}: {readonly executionId: number; readonly now: number}): Promise<{readonly id: number; readonly instruction: TaskInstruction; readonly taskName: string} | null> => {
  if (!Number.isSafeInteger(executionId)) {
    return null;
  }

  try {
    return await withMysqlTransaction(pool, async (connection) => await reviveExecution(connection, tables, {executionId, now}));
  } catch (error) {
    if ((error as {readonly code?: unknown} | null)?.code === DUPLICATE_ENTRY) {
      return null;
    }

    throw error;
  }
};
