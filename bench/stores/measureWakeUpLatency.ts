/**
 * The latency scenario on any dispatch store: an idle engine (60 s polling delay) that only the
 * store's wake-up can start — a NOTIFY on PostgreSQL, the store's poll on MySQL and SQLite. From
 * the commit of an insert through another connection to the `task` event (the execution already
 * claimed and recorded). The processor completes each execution.
 */
import {createPlanton} from '../../src/index.ts';
import {createLatencyProbe} from '../postgres/latency/insertSamples.ts';
import type {DispatchTarget} from './types.ts';

/**
 * Concurrency 10 (bench/postgres) suffices where each insert wakes the task (NOTIFY); a poll finds
 * every row inserted since the last one (one per 20 ms: 50 per second at MySQL's 1 s poll), so
 * bench/stores gives every store 100, lest the task's concurrency rather than its wake-up decide.
 */
export const latencySettings = (concurrency: number) => `calculateDelay 60 s, concurrency ${concurrency}, the same claim as throughput, woken only through store.subscribe`;

export const measureWakeUpLatency = async (target: DispatchTarget, concurrency: number): Promise<{readonly latencies: readonly number[]; readonly p50Ms: number; readonly p99Ms: number}> => {
  const {store} = target;

  await store.registerTask({name: 'items'});

  const probe = createLatencyProbe();
  const planton = createPlanton<number>({
    getActiveTaskInstructions: store.getActiveTaskInstructions,
    tasks: [{calculateDelay: () => 60_000, concurrency, name: 'items', schedule: target.createSchedule()}],
  });

  /** Completions in flight: awaited before the store is closed (and its tables dropped). */
  const completions = new Set<Promise<void>>();

  try {
    planton.events.on('task', (event) => {
      probe.seen(event.instruction);

      const completion = store.completeExecution(event).finally(() => {
        completions.delete(completion);
      });

      completions.add(completion);
    });

    const unsubscribe = await store.subscribe({onWake: () => planton.trigger('items'), taskName: 'items'});

    try {
      return await probe.run(target.insert);
    } finally {
      await unsubscribe();
    }
  } finally {
    await planton.terminate();
    await Promise.all(completions);
  }
};
