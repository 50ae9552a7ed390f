/** The scheduler tests' harness is the conformance kit's (src/testing/scheduler). */
export {createHarness, recordSchedulerEvents} from '../../../src/testing/scheduler/createHarness.ts';
export type {Harness, SchedulerStoreFactory} from '../../../src/testing/scheduler/createHarness.ts';
