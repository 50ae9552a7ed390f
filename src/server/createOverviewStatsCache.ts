import type {Clock} from '../planton/types.ts';
import type {Scheduler} from '../scheduler/createScheduler.ts';
import type {JobStats} from '../scheduler/schedulerApiTypes.ts';

export type OverviewStatsCacheConfiguration = {
  readonly clock: Clock;
  /** Milliseconds a read serves before the next one reads the store again. */
  readonly maxAge: number;
  readonly scheduler: Pick<Scheduler, 'events' | 'summarizeJobs'>;
};

export type OverviewStatsCache = {
  /** The last 24 hours by hour (`scheduler.summarizeJobs()`), at most `maxAge` old; calls made while a read runs share it. */
  readonly read: () => Promise<JobStats>;
  /** Removes the listeners on the scheduler's events. */
  readonly close: () => void;
};

/**
 * The overview's `stats`, shared by `GET /v1/overview` and its stream: the statistics read is the
 * overview's costliest (an index scan of the jobs ended in 24 hours), and the stream reads the
 * overview every second while a page is open, so it is read at most once per `maxAge`, and again at
 * the next read after a job of this process ended. Jobs ended by other instances show within `maxAge`.
 */
export const createOverviewStatsCache = ({clock, maxAge, scheduler}: OverviewStatsCacheConfiguration): OverviewStatsCache => {
  let cached: {readonly at: number; readonly stats: JobStats} | null = null;
  let reading: Promise<JobStats> | null = null;
  // Counts the job ends: a read that began before one may not be kept (it may not count the job).
  let ends = 0;
  const now = () => clock.monotonic?.() ?? clock.now();
  const forget = () => {
    cached = null;
    ends++;
  };

  scheduler.events.on('succeeded', forget);
  scheduler.events.on('failed', forget);

  const read = async (): Promise<JobStats> => {
    if (cached !== null && now() - cached.at < maxAge) {
      return cached.stats;
    }

    if (reading === null) {
      const startedAt = now();
      const endsAtStart = ends;

      reading = scheduler.summarizeJobs().then((stats) => {
        if (ends === endsAtStart) {
          cached = {at: startedAt, stats};
        }

        return stats;
      }).finally(() => {
        reading = null;
      });
    }

    return await reading;
  };

  return {
    close: () => {
      scheduler.events.off('succeeded', forget);
      scheduler.events.off('failed', forget);
    },
    read,
  };
};
