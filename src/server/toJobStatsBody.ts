import type {JobStats} from '../scheduler/schedulerApiTypes.ts';
import type {JobStatsBody} from './schemas/statsSchemas.ts';

const toIso = (time: number) => new Date(time).toISOString();

/** Job statistics as the HTTP API shows them: buckets grouped by task (in the order given), times as ISO 8601 strings. */
export const toJobStatsBody = ({bucketSize, buckets, from, to}: JobStats): JobStatsBody => {
  const tasks = new Map<string, JobStatsBody['tasks'][number]['buckets']>();

  for (const {averageDuration, bucketStart, failed, maxDuration, succeeded, taskName} of buckets) {
    const ofTask = tasks.get(taskName) ?? [];

    tasks.set(taskName, ofTask);
    ofTask.push({averageDuration, failed, maxDuration, start: toIso(bucketStart), succeeded});
  }

  return {bucketSize, from: toIso(from), tasks: [...tasks].map(([name, ofTask]) => ({buckets: ofTask, name})), to: toIso(to)};
};
