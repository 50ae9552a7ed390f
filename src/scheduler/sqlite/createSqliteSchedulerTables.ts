/** The scheduler's table names on SQLite, with the store's prefix, quoted for SQL text. */
export type SqliteSchedulerTables = {
  /** The index of the DONE and ERROR jobs by end time (migration 3), which the job statistics name in `INDEXED BY`. */
  readonly endedJobIndex: string;
  readonly job: string;
  readonly log: string;
  readonly task: string;
};

/**
 * The scheduler's tables under `tablePrefix`, each quoted as an SQL identifier. SQLite has no
 * identifier parameters, so these are the one piece of text put into statements: the prefix is
 * validated by the store's factory (letters, digits and underscores) before it gets here.
 */
export const createSqliteSchedulerTables = (tablePrefix: string): SqliteSchedulerTables => ({
  endedJobIndex: `"${tablePrefix}scheduled_job_ended_idx"`,
  job: `"${tablePrefix}scheduled_job"`,
  log: `"${tablePrefix}scheduled_job_log"`,
  task: `"${tablePrefix}scheduled_task"`,
});
