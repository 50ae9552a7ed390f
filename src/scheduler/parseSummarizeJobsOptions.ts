import {InvalidSchedulerArgumentError} from './errors.ts';
import {parseDateInput} from './parseDateInput.ts';
import {parseDuration} from './parseDuration.ts';
import type {SummarizeJobsOptions} from './schedulerApiTypes.ts';
import type {JobStatsInput} from './storeTypes.ts';

/** The most buckets `summarizeJobs` answers per task (`(to − from) / bucketSize`, rounded up). */
export const MAX_STATS_BUCKETS = 1_000;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const parseBucketSize = (value: unknown): number => {
  const milliseconds = typeof value === 'string' ? parseDuration(value) : value;

  if (typeof milliseconds !== 'number' || !Number.isSafeInteger(milliseconds) || milliseconds < 1) {
    throw new InvalidSchedulerArgumentError('bucketSize', 'an integer number of milliseconds >= 1 or a duration such as `\'1h\'`', value);
  }

  return milliseconds;
};

/** Validates what `summarizeJobs` takes, eagerly: a bad field throws `INVALID_ARGUMENT` (or `INVALID_DATE`) naming it. */
export const parseSummarizeJobsOptions = (options: unknown, now: number): JobStatsInput => {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidSchedulerArgumentError('options', 'an object `{from?, to?, bucketSize?, taskName?}`', options);
  }

  const {bucketSize = HOUR, from, taskName, to} = options as SummarizeJobsOptions;
  const size = parseBucketSize(bucketSize);
  // By default the range ends with the bucket now is in (buckets whole multiples of the size since the epoch: whole hours), so it moves once per bucket.
  const end = to === undefined ? (Math.floor(now / size) + 1) * size : parseDateInput(to, 'to');
  // A day back, or the whole bucket now is in when buckets are longer (a week's bucket would otherwise start after now).
  const start = from === undefined ? end - Math.max(DAY, size) : parseDateInput(from, 'from');

  if (start >= end) {
    throw new InvalidSchedulerArgumentError('from', `a date before \`to\` (${new Date(end).toISOString()})`, from);
  }

  if (Math.ceil((end - start) / size) > MAX_STATS_BUCKETS) {
    throw new InvalidSchedulerArgumentError('bucketSize', `at least ${Math.ceil((end - start) / MAX_STATS_BUCKETS)} ms (at most ${MAX_STATS_BUCKETS} buckets from \`from\` to \`to\`)`, bucketSize);
  }

  if (taskName !== undefined && (typeof taskName !== 'string' || taskName === '')) {
    throw new InvalidSchedulerArgumentError('taskName', 'a non-empty string', taskName);
  }

  // Whole milliseconds, as the stores keep times.
  return {bucketSize: size, from: Math.round(start), taskName: taskName ?? null, to: Math.round(end)};
};
