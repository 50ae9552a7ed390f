import {defineUnreachableTest} from './defineUnreachableTest.ts';
import {defineAdminTests} from './scheduler/defineAdminTests.ts';
import {defineHistoryTests} from './scheduler/defineHistoryTests.ts';
import {defineInputTests} from './scheduler/defineInputTests.ts';
import {defineInstanceTests} from './scheduler/defineInstanceTests.ts';
import {defineJobCallTests} from './scheduler/defineJobCallTests.ts';
import {defineRetryTests} from './scheduler/defineRetryTests.ts';
import {defineScheduleTests} from './scheduler/defineScheduleTests.ts';
import {defineStatsTests} from './scheduler/defineStatsTests.ts';
import type {DefineSchedulerStoreTestsConfiguration} from './types.ts';

/**
 * Registers the scheduler store contract's tests (`SchedulerStore` of `planton/scheduler`) with the
 * caller's test runner: each drives `createScheduler` instances (or the store itself) on a fresh
 * store from `createStore`, on a manual clock the kit moves. A new store is done when they pass.
 * Titles start with `<name>: `. See docs/testing.md for what each test checks.
 */
export const defineSchedulerStoreTests = ({createStore, createUnreachableStore, name, test, unreachableCode = 'server_unreachable'}: DefineSchedulerStoreTestsConfiguration): void => {
  const title = (text: string) => `${name}: ${text}`;

  defineInstanceTests(test, title, createStore);
  defineScheduleTests(test, title, createStore);
  defineJobCallTests(test, title, createStore);
  defineRetryTests(test, title, createStore);
  defineInputTests(test, title, createStore);
  defineAdminTests(test, title, createStore);
  defineHistoryTests(test, title, createStore);
  defineStatsTests(test, title, createStore);

  if (createUnreachableStore !== undefined) {
    defineUnreachableTest(test, title('a store that cannot reach its database rejects with a coded error, the driver\'s error as cause'), createUnreachableStore, unreachableCode);
  }
};
