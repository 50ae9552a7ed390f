/** The job statistics the dashboard charts: ended jobs counted per task and time bucket, in the database. */
import type {JobStatsBucket, JobStatsInput} from '../../storeTypes.ts';
import type {MysqlSchedulerTables} from '../createMysqlSchedulerTables.ts';
import {milliseconds, type Queryable, selectRows, text} from './rows.ts';

/**
 * The DONE and ERROR jobs that ended in [`from`, `to`), per task and bucket. A range of ended_idx
 * (state, end time, with the task and start time: covering) per state: the jobs of the range alone
 * are read, however long the history. Times are BIGINT milliseconds, so the buckets are integer maths.
 */
export const summarizeJobs = async (connection: Queryable, tables: MysqlSchedulerTables, {bucketSize, from, taskName, to}: JobStatsInput): Promise<readonly JobStatsBucket[]> => {
  const ofTask = taskName === undefined || taskName === null ? '' : ' AND task_name = ?';
  const rows = await selectRows(connection, `
    SELECT
      task_name AS taskName,
      ? + ((ended_at - ?) DIV ?) * ? AS bucketStart,
      SUM(state = 'DONE') AS succeeded,
      SUM(state = 'ERROR') AS failed,
      ROUND(AVG(ended_at - started_at)) AS averageDuration,
      MAX(ended_at - started_at) AS maxDuration
    FROM ${tables.job}
    WHERE state IN ('DONE', 'ERROR') AND ended_at >= ? AND ended_at < ?${ofTask}
    GROUP BY taskName, bucketStart
  `, [from, from, bucketSize, bucketSize, from, to, ...taskName === undefined || taskName === null ? [] : [taskName]]);

  return rows.map((found) => ({
    averageDuration: milliseconds(found.averageDuration),
    bucketStart: Number(found.bucketStart),
    failed: Number(found.failed),
    maxDuration: milliseconds(found.maxDuration),
    succeeded: Number(found.succeeded),
    taskName: text(found.taskName) ?? '',
  }));
};
