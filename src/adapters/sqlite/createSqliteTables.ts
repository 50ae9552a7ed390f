import {assertSqliteTablePrefix} from './assertSqliteTablePrefix.ts';

/** The store's tables, as quoted identifiers ready to be written into statements. */
export type SqliteTables = {
  /** The index of ended executions by `ended_at` (store migration 2), for `INDEXED BY`. */
  readonly endedAtIndex: string;
  readonly execution: string;
  readonly retry: string;
  readonly task: string;
};

/** The quoted names of the store's tables under `tablePrefix` (validated: the one text put into SQL). */
export const createSqliteTables = (tablePrefix: string): SqliteTables => {
  assertSqliteTablePrefix(tablePrefix);

  return {
    endedAtIndex: `"${tablePrefix}maintenance_task_execution_ended_at_idx"`,
    execution: `"${tablePrefix}maintenance_task_execution"`,
    retry: `"${tablePrefix}maintenance_task_instruction_retry"`,
    task: `"${tablePrefix}maintenance_task"`,
  };
};
