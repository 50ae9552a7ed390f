import {createScheduler, type Scheduler, type SchedulerConfiguration, type SchedulerEvents, type SchedulerStore} from '../../../src/scheduler/index.ts';
import {createManualClock, type ManualClock} from '../../helpers/createManualClock.ts';

/** Creates a fresh store per test (and drops it afterwards). */
export type SchedulerStoreFactory = () => Promise<{readonly cleanup?: () => Promise<void>; readonly store: SchedulerStore}>;

type Recorded = {[Name in keyof SchedulerEvents]: Array<SchedulerEvents[Name]>};

export const recordSchedulerEvents = (scheduler: Scheduler): Recorded => {
  const recorded: Recorded = {error: [], failed: [], retry: [], succeeded: [], timeout: []};

  for (const name of Object.keys(recorded) as Array<keyof SchedulerEvents>) {
    scheduler.events.on(name, (payload) => {
      (recorded[name] as unknown[]).push(payload);
    });
  }

  return recorded;
};

export type Harness = {
  readonly clock: ManualClock;
  /** A scheduler on the test's store and clock; terminated at teardown. */
  readonly createScheduler: (configuration?: Partial<SchedulerConfiguration>) => Promise<Scheduler>;
  readonly store: SchedulerStore;
};

/** Per test: a fresh store, a manual clock at `start`, schedulers that are terminated afterwards. */
export const createHarness = async (
  t: {readonly teardown: (callback: () => Promise<void> | void) => void},
  createStore: SchedulerStoreFactory,
  start = Date.parse('2026-01-01T00:00:00.000Z'),
): Promise<Harness> => {
  const {cleanup, store} = await createStore();
  const clock = createManualClock(start);
  const schedulers: Scheduler[] = [];

  t.teardown(async () => {
    await Promise.all(schedulers.map(async (scheduler) => {
      await scheduler.terminate();
    }));
    await cleanup?.();
  });

  return {
    clock,
    createScheduler: async (configuration = {}) => {
      const scheduler = await createScheduler({clock, store, syncInterval: 0, terminateTimeout: 0, ...configuration});

      schedulers.push(scheduler);

      return scheduler;
    },
    store,
  };
};
