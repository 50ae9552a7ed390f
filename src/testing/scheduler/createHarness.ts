import {createScheduler, type Scheduler, type SchedulerConfiguration, type SchedulerEvents, type SchedulerStore} from '../../scheduler/index.ts';
import {createManualClock, type ManualClock} from '../createManualClock.ts';
import type {SchedulerStoreFixture} from '../types.ts';

/** Creates a fresh store per test (and drops it afterwards): `DefineSchedulerStoreTestsConfiguration['createStore']`. */
export type SchedulerStoreFactory = () => Promise<SchedulerStoreFixture>;

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

/** 2026-01-01T00:00:00Z: where the scheduler tests' clock starts unless a test says otherwise. */
export const SCHEDULER_START = Date.parse('2026-01-01T00:00:00.000Z');

/** Per test: a fresh store, a manual clock at `start`, schedulers that are terminated afterwards. */
export const createHarness = async (
  t: {readonly teardown: (callback: () => Promise<void> | void) => void},
  createStore: SchedulerStoreFactory,
  start = SCHEDULER_START,
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
