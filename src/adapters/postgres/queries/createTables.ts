import {createSchemaIdentifiers, type SchemaIdentifiers} from '../createSchemaIdentifiers.ts';

export type Tables = SchemaIdentifiers<'admitClaim' | 'assertCombinedClaim' | 'execution' | 'notifyFunction' | 'retry' | 'task'>;

export const createTables = (schema: string): Tables => createSchemaIdentifiers(schema, {
  admitClaim: 'admit_claim',
  assertCombinedClaim: 'assert_combined_claim',
  execution: 'maintenance_task_execution',
  notifyFunction: 'notify_maintenance_task',
  retry: 'maintenance_task_instruction_retry',
  task: 'maintenance_task',
});
