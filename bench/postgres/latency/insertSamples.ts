/**
 * The latency scenario's producer: `LATENCY_WARMUP + LATENCY_SAMPLES` inserts one at a time,
 * `LATENCY_INTERVAL_MS` apart, each timed when its commit returned (performance.now(), the same
 * clock the consumer reads). The consumer reports when it saw each id; only the samples after the
 * warm-up count.
 */
import {setTimeout as sleep} from 'node:timers/promises';
import {performance} from 'node:perf_hooks';
import {createDeferred, percentile} from '../database.ts';
import {LATENCY_INTERVAL_MS, LATENCY_SAMPLES, LATENCY_WARMUP} from '../settings.ts';

export type LatencyProbe = {
  /** Call from the consumer when it sees `id` (its task event or handler start). */
  readonly seen: (id: number) => void;
  /** Inserts every row (`insert(id)` must resolve once its commit returned) and waits for all to be seen. */
  readonly run: (insert: (id: number) => Promise<void>) => Promise<{readonly latencies: readonly number[]; readonly p50Ms: number; readonly p99Ms: number}>;
};

export const createLatencyProbe = (): LatencyProbe => {
  const total = LATENCY_WARMUP + LATENCY_SAMPLES;
  const committedAt = new Map<number, number>();
  const seenAt = new Map<number, number>();
  const allSeen = createDeferred<void>();

  return {
    run: async (insert) => {
      for (let id = 1; id <= total; id++) {
        await insert(id);
        committedAt.set(id, performance.now());
        await sleep(LATENCY_INTERVAL_MS);
      }

      await Promise.race([allSeen.promise, sleep(10_000).then(() => {
        throw new Error(`Only ${seenAt.size} of ${total} rows were seen within 10 s of the last insert.`);
      })]);

      const latencies: number[] = [];

      for (let id = LATENCY_WARMUP + 1; id <= total; id++) {
        latencies.push((seenAt.get(id) ?? Number.NaN) - (committedAt.get(id) ?? Number.NaN));
      }

      return {latencies: latencies.map((latency) => Math.round(latency * 1_000) / 1_000), p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99)};
    },
    seen: (id) => {
      if (!seenAt.has(id)) {
        seenAt.set(id, performance.now());

        if (seenAt.size === total) {
          allSeen.resolve();
        }
      }
    },
  };
};
