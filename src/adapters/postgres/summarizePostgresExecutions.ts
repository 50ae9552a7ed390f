import type {CommonQueryMethods} from 'slonik';
import {StoreUnreachableError} from '../errors.ts';
import type {ExecutionSummary, SummarizeExecutionsConfiguration} from '../types.ts';
import {validateSummarizeExecutions} from '../validateSummarizeExecutions.ts';
import {isConnectionError} from './isConnectionError.ts';
import {createTables, selectLatestTerminations, selectTaskExecutionSummaries} from './queries/index.ts';
import {validateSchemaName} from './validatePostgresStoreConfiguration.ts';

export type SummarizePostgresExecutionsConfiguration = SummarizeExecutionsConfiguration & {
  /** The pool (or a connection) to read through; nothing is written. */
  readonly connection: CommonQueryMethods;
  /**
   * The schema of the store's tables.
   * @default 'planton'
   */
  readonly schema?: string;
};

/**
 * The PostgreSQL store's `summarizeExecutions` on a pool and a schema, without a store: it neither
 * applies migrations nor starts the heartbeat and reaper loops that `createPostgresStore` does, so
 * a dashboard reads another process's store tables with it. Two reading statements; a database it
 * cannot reach rejects with `STORE_UNREACHABLE`, a schema without the store's tables with the driver's error.
 */
export const summarizePostgresExecutions = async ({connection, schema = 'planton', ...configuration}: SummarizePostgresExecutionsConfiguration): Promise<ExecutionSummary> => {
  const {recentLimit, since} = validateSummarizeExecutions(configuration);
  const tables = createTables(validateSchemaName(schema));
  let tasks: Awaited<ReturnType<typeof selectTaskExecutionSummaries>>;
  let recent: Awaited<ReturnType<typeof selectLatestTerminations>>;

  try {
    [tasks, recent] = await Promise.all([
      selectTaskExecutionSummaries(connection, tables, {since}),
      selectLatestTerminations(connection, tables, {limit: recentLimit}),
    ]);
  } catch (error) {
    throw isConnectionError(error) ? new StoreUnreachableError(error) : error;
  }

  return {
    reaper: {
      recent: recent.map((row) => ({...row, terminatedAt: new Date(row.terminatedAt)})),
      terminated: tasks.reduce((sum, task) => sum + task.terminated, 0),
    },
    since: new Date(since),
    tasks: tasks.map((task) => ({...task, lastTerminatedAt: task.lastTerminatedAt === null ? null : new Date(task.lastTerminatedAt)})),
  };
};
