import '../planton/assertNodeVersion.ts';

export {createMemoryDispatchDatabase, createMemoryStore} from '../adapters/memory/index.ts';
export type {MemoryClaim, MemoryClaimContext, MemoryDispatchDatabase, MemoryStore, MemoryStoreConfiguration} from '../adapters/memory/index.ts';
export type {DispatchStore} from '../adapters/types.ts';
export {createDeferred, createManualClock, flush} from './createManualClock.ts';
export type {ManualClock} from './createManualClock.ts';
export {defineDispatchStoreTests} from './defineDispatchStoreTests.ts';
export {defineSchedulerStoreTests} from './defineSchedulerStoreTests.ts';
export type {SchedulerStore} from '../scheduler/storeTypes.ts';
export {until} from './until.ts';
export type {
  DefineDispatchStoreTestsConfiguration,
  DefineSchedulerStoreTestsConfiguration,
  DispatchStoreFixture,
  DispatchStoreFixtureConfiguration,
  ErrorExpectation,
  KitAssertions,
  KitTest,
  SchedulerStoreFixture,
} from './types.ts';
