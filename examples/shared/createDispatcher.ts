import {createProcessor} from '../../src/adapters/processor/createProcessor.ts';
import type {ProcessorStore} from '../../src/adapters/processor/types.ts';
import type {Store} from '../../src/adapters/types.ts';
import {createPlanton} from '../../src/index.ts';
import type {ExampleTask} from './types.ts';

export type Dispatcher = {
  /** Rows done per task (purged, sent) since the start. */
  readonly getDoneCounts: () => Record<string, number>;
  /** Instructions claimed whose outcome is not recorded yet, across tasks. */
  readonly getPendingCount: () => number;
  /** Stops claiming, waits for the handlers running and their outcomes, then unsubscribes and stops the store. */
  readonly terminate: () => Promise<void>;
};

/**
 * The wiring a user writes around Planton (the same on PostgreSQL, MySQL and SQLite: any
 * store, `Claim` being its claim): one engine whose tasks claim through the store
 * (claim and execution record in one transaction), the processor that hands what a round claims
 * to the task's handler in batches and records the outcomes (then triggers the task, so freed slots
 * are claimed at once), and a subscription per task so that a notification (a row inserted or
 * updated) wakes it at once.
 */
export const createDispatcher = async <Claim>({onError, store, tasks}: {
  readonly onError: (error: unknown) => void;
  readonly store: Store<number, Claim> & ProcessorStore<number>;
  readonly tasks: ReadonlyArray<ExampleTask<Claim>>;
}): Promise<Dispatcher> => {
  const taskConfigurations = await Promise.all(tasks.map(async (task) => {
    await store.registerTask({name: task.name});

    return {
      // No backoff while rounds produce work; then 25 ms, 50 ms, … up to 1 s between polls.
      calculateDelay: (attemptNumber: number) => attemptNumber === 0 ? 0 : Math.min(25 * 2 ** (attemptNumber - 1), 1_000),
      // An operator can lower (or raise) it in maintenance_task.maximum_concurrent_execution_count.
      concurrency: await store.getTaskConcurrency({concurrency: task.concurrency, taskName: task.name}),
      name: task.name,
      schedule: store.createSchedule(task.claim),
    };
  }));

  const planton = createPlanton<number>({
    getActiveTaskInstructions: store.getActiveTaskInstructions,
    tasks: taskConfigurations,
  });
  const processor = createProcessor<number>({
    handlers: Object.fromEntries(tasks.map((task) => [task.name, {batch: task.handleBatch, batchSize: task.maxBatchSize}])),
    planton,
    store,
  });

  const reportError = ({error}: {readonly error: unknown}) => {
    onError(error);
  };

  planton.events.on('error', reportError);
  store.events.on('error', reportError);
  processor.events.on('error', reportError);
  // A handler that throws fails its execution (claimed again later): an error of the run too.
  processor.events.on('failed', reportError);

  const unsubscribes = await Promise.all(tasks.map(async (task) => {
    return await store.subscribe({
      onWake: () => {
        planton.trigger(task.name);
      },
      taskName: task.name,
    });
  }));

  return {
    getDoneCounts: () => Object.fromEntries(tasks.map((task) => [task.name, task.getDoneCount()])),
    getPendingCount: () => processor.getStats().inFlight,
    terminate: async () => {
      await planton.terminate();
      await processor.stop();
      await Promise.all(unsubscribes.map(async (unsubscribe) => {
        await unsubscribe();
      }));
      await store.terminate();
    },
  };
};
