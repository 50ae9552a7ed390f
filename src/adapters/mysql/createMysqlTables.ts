import {qualifyMysqlTable} from './mysqlIdentifiers.ts';

/** The store's tables, quoted and qualified: `` `database`.`<prefix>maintenance_task` ``, … */
export type MysqlTables = {
  readonly execution: string;
  readonly retry: string;
  readonly task: string;
};

export const createMysqlTables = ({database, tablePrefix}: {readonly database: string; readonly tablePrefix: string}): MysqlTables => ({
  execution: qualifyMysqlTable({database, name: 'maintenance_task_execution', tablePrefix}),
  retry: qualifyMysqlTable({database, name: 'maintenance_task_instruction_retry', tablePrefix}),
  task: qualifyMysqlTable({database, name: 'maintenance_task', tablePrefix}),
});
