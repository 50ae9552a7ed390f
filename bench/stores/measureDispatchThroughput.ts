/**
 * The throughput-20000 scenario on any dispatch store (bench/postgres runs it on PostgreSQL,
 * bench/stores on every store): several tasks (claim loops) share one claim on the user table;
 * each claim records its executions in the same transaction; a no-op processor hands every `task`
 * event to a batcher that completes executions with one `completeExecutions` call per batch.
 */
import {performance} from 'node:perf_hooks';
import {setTimeout as sleep} from 'node:timers/promises';
import type {ExecutionReference} from '../../src/adapters/types.ts';
import {createPlanton} from '../../src/index.ts';
import {createDeferred} from '../postgres/database.ts';
import type {DispatchTarget} from './types.ts';

/** The settings below won a sweep on this machine (PostgreSQL); each can be overridden to explore (BENCH_PLANTON_*). */
const TASKS = Number(process.env.BENCH_PLANTON_TASKS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_PLANTON_CONCURRENCY ?? 20_000);
const CLAIM_BATCH = Number(process.env.BENCH_PLANTON_CLAIM_BATCH ?? 1_000);
const COMPLETION_BATCH = Number(process.env.BENCH_PLANTON_COMPLETION_BATCH ?? 4_000);
const MAX_FLUSHES = Number(process.env.BENCH_PLANTON_FLUSHES ?? 1);

export const dispatchSettings = `${TASKS} tasks (claim loops) x concurrency ${CONCURRENCY}, calculateLimit min(${CLAIM_BATCH}, free), calculateDelay 0 (5 ms after an empty round), completeExecutions batches up to ${COMPLETION_BATCH} (${MAX_FLUSHES} in flight), heartbeat 60 s, reaper off`;

/**
 * Collects completions and writes them with one call per batch: at most `MAX_FLUSHES` calls in
 * flight, a batch goes out on the next macrotask (so one round's events travel together) or as
 * soon as it holds `COMPLETION_BATCH` references.
 */
const createCompletionBatcher = (store: DispatchTarget['store'], onCompleted: (count: number) => void, onError: (error: unknown) => void) => {
  let pending: Array<ExecutionReference<number>> = [];
  let inFlight = 0;
  let scheduled = false;

  const flush = () => {
    scheduled = false;

    while (pending.length > 0 && inFlight < MAX_FLUSHES) {
      const batch = pending.slice(0, COMPLETION_BATCH);

      pending = pending.slice(batch.length);
      inFlight++;
      store.completeExecutions(batch).then((notRunning) => {
        onCompleted(batch.length - notRunning.length);
      }, onError).finally(() => {
        inFlight--;
        schedule();
      });
    }
  };

  function schedule () {
    if (!scheduled && pending.length > 0) {
      scheduled = true;
      setImmediate(flush);
    }
  }

  return {
    add: (reference: ExecutionReference<number>) => {
      pending.push(reference);
      schedule();
    },
  };
};

/**
 * Dispatches and completes the `jobCount` rows already in the target's user table. Timed from
 * `createPlanton` until the store's table shows every execution ended and `jobCount` COMPLETED.
 */
export const measureDispatchThroughput = async (target: DispatchTarget, jobCount: number): Promise<{readonly elapsedMs: number; readonly rowsPerSecond: number}> => {
  const {store} = target;
  const taskNames = Array.from({length: TASKS}, (_, index) => `items_${index}`);

  for (const name of taskNames) {
    await store.registerTask({name});
  }

  const done = createDeferred<void>();
  let completed = 0;
  const batcher = createCompletionBatcher(store, (count) => {
    completed += count;

    if (completed >= jobCount) {
      done.resolve();
    }
  }, done.reject);

  const startedAt = performance.now();
  const planton = createPlanton<number>({
    getActiveTaskInstructions: store.getActiveTaskInstructions,
    tasks: taskNames.map((name) => ({
      calculateDelay: (attemptNumber) => attemptNumber === 0 ? 0 : 5,
      calculateLimit: (concurrency, active) => Math.min(CLAIM_BATCH, concurrency - active.length),
      concurrency: CONCURRENCY,
      name,
      schedule: target.createSchedule(),
    })),
  });

  try {
    planton.events.on('error', ({error}) => {
      done.reject(error);
    });
    planton.events.on('task', (event) => {
      // The no-op processor.
      batcher.add(event);
    });

    await done.promise;

    for (;;) {
      const {completed: recorded, running} = await target.countExecutions();

      if (running === 0) {
        if (recorded !== jobCount) {
          throw new Error(`Expected ${jobCount} completed executions, found ${recorded}.`);
        }

        break;
      }

      await sleep(1);
    }

    const elapsedMs = performance.now() - startedAt;

    return {elapsedMs: Math.round(elapsedMs), rowsPerSecond: Math.round(jobCount / (elapsedMs / 1_000))};
  } finally {
    await planton.terminate();
  }
};
