import type {JobRecord} from './recordTypes.ts';
import type {JobStatsBucket, JobStatsInput} from './storeTypes.ts';

type Tally = {
  bucketStart: number;
  durationCount: number;
  durationMax: number | null;
  durationSum: number;
  failed: number;
  succeeded: number;
  readonly taskName: string;
};

/**
 * `SchedulerStore.summarizeJobs` over jobs in memory: the DONE and ERROR jobs that ended in [`from`, `to`)
 * (of `taskName` when given), counted per task and bucket, with the mean (rounded) and longest duration
 * of those that started. What the SQL stores compute in the database.
 */
export const summarizeJobRecords = (jobs: Iterable<JobRecord>, {bucketSize, from, taskName, to}: JobStatsInput): JobStatsBucket[] => {
  const tallies = new Map<string, Tally>();

  for (const job of jobs) {
    if ((job.state !== 'DONE' && job.state !== 'ERROR') || job.endedAt === null || job.endedAt < from || job.endedAt >= to) {
      continue;
    }

    if (taskName !== undefined && taskName !== null && job.taskName !== taskName) {
      continue;
    }

    const bucketStart = from + Math.floor((job.endedAt - from) / bucketSize) * bucketSize;
    const key = JSON.stringify([job.taskName, bucketStart]);
    const tally = tallies.get(key) ?? {bucketStart, durationCount: 0, durationMax: null, durationSum: 0, failed: 0, succeeded: 0, taskName: job.taskName};

    tallies.set(key, tally);

    if (job.state === 'DONE') {
      tally.succeeded++;
    } else {
      tally.failed++;
    }

    if (job.startedAt !== null) {
      const duration = job.endedAt - job.startedAt;

      tally.durationCount++;
      tally.durationSum += duration;
      tally.durationMax = Math.max(tally.durationMax ?? duration, duration);
    }
  }

  return [...tallies.values()].map((tally) => ({
    averageDuration: tally.durationCount === 0 ? null : Math.round(tally.durationSum / tally.durationCount),
    bucketStart: tally.bucketStart,
    failed: tally.failed,
    maxDuration: tally.durationMax,
    succeeded: tally.succeeded,
    taskName: tally.taskName,
  }));
};
