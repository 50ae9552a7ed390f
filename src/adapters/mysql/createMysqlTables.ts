import {qualifyMysqlTable} from './mysqlIdentifiers.ts';

/** The store's tables, quoted and qualified: `` `database`.`<prefix>maintenance_task` ``, … */
export type MysqlTables = {
  /** The row per task that a claim locks (migration 0003). */
  readonly claimLock: string;
  readonly execution: string;
  readonly retry: string;
  readonly task: string;
};

export const createMysqlTables = ({database, tablePrefix}: {readonly database: string; readonly tablePrefix: string}): MysqlTables => ({
  claimLock: qualifyMysqlTable({database, name: 'maintenance_task_claim_lock', tablePrefix}),
  execution: qualifyMysqlTable({database, name: 'maintenance_task_execution', tablePrefix}),
  retry: qualifyMysqlTable({database, name: 'maintenance_task_instruction_retry', tablePrefix}),
  task: qualifyMysqlTable({database, name: 'maintenance_task', tablePrefix}),
});
