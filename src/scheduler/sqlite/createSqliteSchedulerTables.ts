/** The scheduler's table names on SQLite, with the store's prefix, quoted for SQL text. */
export type SqliteSchedulerTables = {
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
  job: `"${tablePrefix}scheduled_job"`,
  log: `"${tablePrefix}scheduled_job_log"`,
  task: `"${tablePrefix}scheduled_task"`,
});
