import {type IdentifierSqlToken, sql} from 'slonik';

export type SchedulerTables = {
  readonly job: IdentifierSqlToken;
  readonly log: IdentifierSqlToken;
  /** The schema's name: the second key of the scheduler's advisory locks is hashtext(schema). */
  readonly schema: string;
  readonly task: IdentifierSqlToken;
};

/** The scheduler's tables in `schema`, as slonik identifiers. */
export const createSchedulerTables = (schema: string): SchedulerTables => {
  return {
    job: sql.identifier([schema, 'scheduled_job']),
    log: sql.identifier([schema, 'scheduled_job_log']),
    schema,
    task: sql.identifier([schema, 'scheduled_task']),
  };
};
