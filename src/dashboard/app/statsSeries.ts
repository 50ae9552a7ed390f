import type {JobStats} from './types.ts';

/** One task's stats as chart series: a point per bucket from `from` to `to` (`null` where none of its jobs ended), times in seconds as uPlot takes them. */
export type StatsSeries = {
  /** Mean duration per bucket, in seconds. */
  readonly averageDuration: Array<number | null>;
  /** Jobs that ended (succeeded + failed) per bucket. */
  readonly ended: number[];
  readonly failed: number[];
  /** Longest duration per bucket, in seconds. */
  readonly maxDuration: Array<number | null>;
  readonly succeeded: number[];
  readonly times: number[];
  readonly total: {readonly failed: number; readonly maxDuration: number | null; readonly succeeded: number};
};

const seconds = (milliseconds: number | null) => milliseconds === null ? null : milliseconds / 1000;

/** The series of task `name` in `stats` (all empty buckets when it has none). */
export const toStatsSeries = (stats: JobStats, name: string): StatsSeries => {
  const from = Date.parse(stats.from);
  const count = Math.ceil((Date.parse(stats.to) - from) / stats.bucketSize);
  const byStart = new Map((stats.tasks.find((task) => task.name === name)?.buckets ?? []).map((bucket) => [Date.parse(bucket.start), bucket]));
  const buckets = Array.from({length: count}, (_, index) => byStart.get(from + index * stats.bucketSize) ?? null);
  const succeeded = buckets.map((bucket) => bucket?.succeeded ?? 0);
  const failed = buckets.map((bucket) => bucket?.failed ?? 0);
  const longest = buckets.flatMap((bucket) => bucket?.maxDuration ?? []);

  return {
    averageDuration: buckets.map((bucket) => seconds(bucket?.averageDuration ?? null)),
    ended: succeeded.map((value, index) => value + (failed[index] ?? 0)),
    failed,
    maxDuration: buckets.map((bucket) => seconds(bucket?.maxDuration ?? null)),
    succeeded,
    times: buckets.map((_, index) => (from + index * stats.bucketSize) / 1000),
    total: {
      failed: failed.reduce((sum, value) => sum + value, 0),
      maxDuration: longest.length === 0 ? null : Math.max(...longest),
      succeeded: succeeded.reduce((sum, value) => sum + value, 0),
    },
  };
};

/** `1.5 s`, `250 ms`, `2.1 min`: a duration in seconds, short. */
export const formatSeconds = (value: number): string => {
  if (value < 1) {
    return `${Math.round(value * 1000)} ms`;
  }

  return value < 120 ? `${Number(value.toFixed(1))} s` : `${Number((value / 60).toFixed(1))} min`;
};
