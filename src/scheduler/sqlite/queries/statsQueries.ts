/** The job statistics the dashboard charts: ended jobs counted per task and time bucket, in the database. */
import type {JobStatsBucket, JobStatsInput} from '../../storeTypes.ts';
import type {SqliteSchedulerTables} from '../createSqliteSchedulerTables.ts';
import type {SqliteConnection} from './connection.ts';
import {milliseconds} from './rows.ts';

/**
 * The DONE and ERROR jobs that ended in [`from`, `to`), per task and bucket. A range of the ended
 * index (end time, task, state and start time, over the DONE and ERROR jobs: covering): the jobs of
 * the range alone are read, however long the history; named (`INDEXED BY`), since without the
 * statistics of ANALYZE the planner prefers the task's history index, which holds all of its jobs.
 * Times are integer milliseconds, so the buckets are integer maths.
 */
export const summarizeJobs = (connection: SqliteConnection, tables: SqliteSchedulerTables, {bucketSize, from, taskName, to}: JobStatsInput): readonly JobStatsBucket[] => {
  const ofTask = taskName === undefined || taskName === null ? '' : 'AND task_name = :taskName';
  const rows = connection.all(`
    SELECT
      task_name AS taskName,
      :from + CAST((ended_at - :from) / :bucketSize AS INTEGER) * :bucketSize AS bucketStart,
      sum(state = 'DONE') AS succeeded,
      sum(state = 'ERROR') AS failed,
      round(avg(ended_at - started_at)) AS averageDuration,
      max(ended_at - started_at) AS maxDuration
    FROM ${tables.job} INDEXED BY ${tables.endedJobIndex}
    WHERE state IN ('DONE', 'ERROR') AND ended_at >= :from AND ended_at < :to ${ofTask}
    GROUP BY taskName, bucketStart
  `, {bucketSize, from, to, ...taskName === undefined || taskName === null ? {} : {taskName}});

  return rows.map((found) => ({
    averageDuration: milliseconds(found.averageDuration),
    bucketStart: Number(found.bucketStart),
    failed: Number(found.failed),
    maxDuration: milliseconds(found.maxDuration),
    succeeded: Number(found.succeeded),
    taskName: String(found.taskName),
  }));
};
