import {createSchemaIdentifiers, type SchemaIdentifiers} from '../../adapters/postgres/createSchemaIdentifiers.ts';

export type SchedulerTables = SchemaIdentifiers<'job' | 'log' | 'task'>;

/** The scheduler's tables in `schema`, as slonik identifiers. */
export const createSchedulerTables = (schema: string): SchedulerTables => createSchemaIdentifiers(schema, {
  job: 'scheduled_job',
  log: 'scheduled_job_log',
  task: 'scheduled_task',
});
