/** The tests' `until` is the one the conformance kit ships (test/ is not published). */
export {until} from '../../src/testing/until.ts';
