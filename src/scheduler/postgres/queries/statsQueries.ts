/** The job statistics the dashboard charts: ended jobs counted per task and time bucket, in the database. */
import {type CommonQueryMethods, sql} from 'slonik';
import type {JobStatsBucket, JobStatsInput} from '../../storeTypes.ts';
import type {SchedulerTables} from '../createSchedulerTables.ts';
import {at, milliseconds, row} from './rows.ts';

/**
 * The DONE and ERROR jobs that ended in [`from`, `to`), per task and bucket. An index-only range of
 * scheduled_job_ended_idx (end time, over the DONE and ERROR jobs, with the task, state and start
 * time included): the jobs of the range alone are read, however long the history. Times in
 * milliseconds as numeric, so that a job ending on a bucket's edge falls in that bucket exactly.
 */
export const summarizeJobs = async (connection: CommonQueryMethods, tables: SchedulerTables, {bucketSize, from, taskName, to}: JobStatsInput): Promise<readonly JobStatsBucket[]> => {
  const ofTask = taskName === undefined || taskName === null ? sql.fragment`TRUE` : sql.fragment`task_name = ${taskName}`;
  const rows = await connection.any(sql.type(row)`
    SELECT
      task_name AS "taskName",
      (${from}::numeric + floor((round(extract(epoch FROM ended_at) * 1000) - ${from}::numeric) / ${bucketSize}::numeric) * ${bucketSize}::numeric)::float8 AS "bucketStart",
      (count(*) FILTER (WHERE state = 'DONE'))::float8 AS succeeded,
      (count(*) FILTER (WHERE state = 'ERROR'))::float8 AS failed,
      round(avg(round(extract(epoch FROM ended_at - started_at) * 1000)))::float8 AS "averageDuration",
      max(round(extract(epoch FROM ended_at - started_at) * 1000))::float8 AS "maxDuration"
    FROM ${tables.job}
    WHERE state IN ('DONE', 'ERROR') AND ended_at >= ${at(from)} AND ended_at < ${at(to)} AND ${ofTask}
    GROUP BY 1, 2
  `);

  return rows.map((found) => ({
    averageDuration: milliseconds(found.averageDuration),
    bucketStart: Number(found.bucketStart),
    failed: Number(found.failed),
    maxDuration: milliseconds(found.maxDuration),
    succeeded: Number(found.succeeded),
    taskName: String(found.taskName),
  }));
};
