import type {PostgresStore} from '../../src/adapters/postgres/types.ts';
import {createPlanton} from '../../src/index.ts';
import {type BatchProcessor, createBatchProcessor} from './createBatchProcessor.ts';
import type {ExampleTask} from './types.ts';

export type Dispatcher = {
  /** Rows done per task (purged, sent) since the start. */
  readonly getDoneCounts: () => Record<string, number>;
  /** Instructions emitted and not yet processed, across tasks. */
  readonly getPendingCount: () => number;
  /** Stops claiming, waits for the batches in flight, then unsubscribes and stops the store. */
  readonly terminate: () => Promise<void>;
};

/**
 * The wiring a Postgres user writes around Planton: one engine whose tasks claim through the
 * store (claim and execution record in one transaction), a processor per task that handles the
 * emitted instructions in batches and wakes the task when slots free up, and a subscription per
 * task so that a notification (a row inserted or updated) wakes it at once.
 */
export const createDispatcher = async ({onError, store, tasks}: {
  readonly onError: (error: unknown) => void;
  readonly store: PostgresStore<number>;
  readonly tasks: readonly ExampleTask[];
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
  const doneCounts: Record<string, number> = Object.fromEntries(tasks.map((task) => [task.name, 0]));
  const processors = new Map<string, BatchProcessor<number>>();

  for (const task of tasks) {
    processors.set(task.name, createBatchProcessor<number>({
      maximumBatchSize: task.maximumBatchSize,
      onError: async (error, instructions) => {
        onError(error);

        // The batch's transaction rolled back: end its executions as FAILED so the rows are claimed again.
        const outcomes = await Promise.allSettled(instructions.map(async (instruction) => {
          await store.failExecution({instruction, taskName: task.name}, error);
        }));

        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') {
            onError(outcome.reason);
          }
        }

        planton.trigger(task.name);
      },
      process: async (instructions) => {
        const {done, errors} = await task.processBatch(instructions);

        doneCounts[task.name] = (doneCounts[task.name] ?? 0) + done;

        for (const error of errors) {
          onError(error);
        }

        // The batch's slots are free: claim more now instead of waiting for the next poll.
        planton.trigger(task.name);
      },
    }));
  }

  planton.events.on('task', ({instruction, taskName}) => {
    processors.get(taskName)?.push(instruction);
  });
  planton.events.on('error', ({error}) => {
    onError(error);
  });
  store.events.on('error', ({error}) => {
    onError(error);
  });

  const unsubscribes = await Promise.all(tasks.map(async (task) => {
    return await store.subscribe({
      onWake: () => {
        planton.trigger(task.name);
      },
      taskName: task.name,
    });
  }));

  return {
    getDoneCounts: () => ({...doneCounts}),
    getPendingCount: () => {
      return [...processors.values()].reduce((sum, processor) => sum + processor.getPendingCount(), 0);
    },
    terminate: async () => {
      await planton.terminate();
      await Promise.all([...processors.values()].map(async (processor) => {
        await processor.drain();
      }));
      await Promise.all(unsubscribes.map(async (unsubscribe) => {
        await unsubscribe();
      }));
      await store.terminate();
    },
  };
};
