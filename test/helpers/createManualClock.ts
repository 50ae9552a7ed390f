/** The tests' manual clock is the one the conformance kit ships (test/ is not published). */
export {createDeferred, createManualClock, flush} from '../../src/testing/createManualClock.ts';
export type {ManualClock} from '../../src/testing/createManualClock.ts';
