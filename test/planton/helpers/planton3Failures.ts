import {withDeadline} from '../../helpers/withDeadline.ts';

/**
 * The failures the planton@3 compatibility table runs through both engines (planton@3 in a child
 * process, where its unhandled rejections cannot fail the test run; this engine in the test's).
 */

/** What a user function at fault throws or rejects with, unless the row says otherwise: an error a user checks by `code`. */
const createThrown = (): Error => Object.assign(new Error('the database is down'), {code: 'ECONNREFUSED'});

/** The user functions of task `a`: what both engines get, but for the task's name and a 10 ms delay. */
type FailingFunctions = {
  readonly calculateDelay?: (attemptNumber: number) => number;
  readonly calculateLimit?: (concurrency: number, activeTaskInstructions: readonly string[]) => unknown;
  readonly getActiveTaskInstructions?: (taskName: string) => unknown;
  readonly schedule?: (configuration: {readonly limit: number}) => unknown;
};

/**
 * How a failure ended, the same shape for both engines: the first `error` event (its `code`, `null`
 * when it has none, and whether `error` is the very value the user function threw), or, with no
 * event, the unhandled rejection that ended planton@3's loop.
 */
export type Outcome = {
  readonly code: string | null;
  readonly event: 'error' | 'unhandledRejection';
  readonly isThrown: boolean;
};

export type Planton3Failure = {
  readonly configure: (thrown: unknown) => FailingFunctions;
  /** What this engine gives where planton@3 gave nothing usable (a deliberate difference); absent: the same as planton@3. */
  readonly planton?: Outcome;
  readonly planton3: Outcome;
  readonly thrown?: () => unknown;
  readonly title: string;
};

const ORIGINAL: Outcome = {code: 'ECONNREFUSED', event: 'error', isThrown: true};
const UNHANDLED_ORIGINAL: Outcome = {code: null, event: 'unhandledRejection', isThrown: true};
const UNEXPECTED_STATE_ERROR: Outcome = {code: 'UNEXPECTED_STATE_ERROR', event: 'error', isThrown: false};
const UNEXPECTED_TASK_INSTRUCTIONS: Outcome = {code: 'UNEXPECTED_TASK_INSTRUCTIONS', event: 'error', isThrown: false};

export const planton3Failures: readonly Planton3Failure[] = [
  {configure: (thrown) => ({schedule: () => {
    throw thrown;
  }}), planton3: ORIGINAL, title: 'schedule throws'},
  {configure: (thrown) => ({schedule: async () => await Promise.reject(thrown)}), planton3: ORIGINAL, title: 'schedule rejects'},
  {
    configure: (thrown) => ({schedule: () => {
      throw thrown;
    }}),
    planton: {code: 'USER_FUNCTION_ERROR', event: 'error', isThrown: false},
    planton3: {code: null, event: 'error', isThrown: true},
    thrown: () => 'not an Error',
    title: 'schedule throws a string',
  },
  {configure: () => ({calculateLimit: () => -1}), planton3: UNEXPECTED_STATE_ERROR, title: 'calculateLimit returns -1'},
  {configure: () => ({calculateLimit: () => 1.5}), planton3: UNEXPECTED_STATE_ERROR, title: 'calculateLimit returns 1.5'},
  {configure: () => ({calculateLimit: () => Number.NaN}), planton3: UNEXPECTED_STATE_ERROR, title: 'calculateLimit returns NaN'},
  {configure: () => ({calculateLimit: () => '1'}), planton3: UNEXPECTED_STATE_ERROR, title: 'calculateLimit returns a string'},
  {configure: () => ({schedule: () => null}), planton3: UNEXPECTED_TASK_INSTRUCTIONS, title: 'schedule returns null'},
  {configure: () => ({schedule: ({limit}) => Array.from({length: limit + 1}, (_, index) => String(index))}), planton3: UNEXPECTED_TASK_INSTRUCTIONS, title: 'schedule returns more than limit'},
  {configure: () => ({schedule: () => [{id: 1}]}), planton3: UNEXPECTED_TASK_INSTRUCTIONS, title: 'schedule returns an object instruction'},
  {configure: (thrown) => ({getActiveTaskInstructions: () => {
    throw thrown;
  }}), planton: ORIGINAL, planton3: UNHANDLED_ORIGINAL, title: 'getActiveTaskInstructions throws'},
  {configure: (thrown) => ({getActiveTaskInstructions: async () => await Promise.reject(thrown)}), planton: ORIGINAL, planton3: UNHANDLED_ORIGINAL, title: 'getActiveTaskInstructions rejects'},
  {
    configure: () => ({getActiveTaskInstructions: () => null}),
    planton: UNEXPECTED_TASK_INSTRUCTIONS,
    planton3: {code: null, event: 'unhandledRejection', isThrown: false},
    title: 'getActiveTaskInstructions returns null',
  },
  {configure: (thrown) => ({calculateDelay: () => {
    throw thrown;
  }}), planton: ORIGINAL, planton3: UNHANDLED_ORIGINAL, title: 'calculateDelay throws'},
  {configure: (thrown) => ({calculateLimit: () => {
    throw thrown;
  }}), planton: ORIGINAL, planton3: UNHANDLED_ORIGINAL, title: 'calculateLimit throws'},
];

/** The part of planton@3's API and this engine's that the table uses. */
export type Engine = (configuration: {
  readonly getActiveTaskInstructions: (taskName: string) => unknown;
  readonly tasks: ReadonlyArray<FailingFunctions & {readonly name: string}>;
}) => {
  readonly events: {readonly on: (name: 'error', listener: (event: {readonly error: unknown}) => void) => unknown};
  readonly terminate: () => Promise<void>;
};

/**
 * Runs `failure` on `engine` until its first `error` event (then terminates it) or, when
 * `watchUnhandledRejections` (planton@3's child process), an unhandled rejection: planton@3's loop is
 * then dead. In the test's own process an unhandled rejection fails the test, as it should.
 */
export const runFailure = async (engine: Engine, failure: Planton3Failure, watchUnhandledRejections = false): Promise<Outcome & {readonly error?: unknown; readonly thrown: unknown}> => {
  const thrown = failure.thrown?.() ?? createThrown();
  const {getActiveTaskInstructions = async () => [], ...functions} = failure.configure(thrown);
  const task = {calculateDelay: () => 10, name: 'a', schedule: async () => [], ...functions};
  let onUnhandledRejection: (reason: unknown) => void = () => undefined;

  try {
    // withDeadline's timer also holds the process open: this engine's timers are unref()ed.
    return await withDeadline(new Promise((resolve) => {
      onUnhandledRejection = (reason) => {
        resolve({code: null, event: 'unhandledRejection', isThrown: reason === thrown, thrown});
      };
      if (watchUnhandledRejections) {
        process.on('unhandledRejection', onUnhandledRejection);
      }

      const planton = engine({getActiveTaskInstructions, tasks: [task]});

      planton.events.on('error', ({error}) => {
        const {code} = (error ?? {}) as {readonly code?: unknown};

        void planton.terminate().then(() => {
          resolve({code: typeof code === 'string' ? code : null, error, event: 'error', isThrown: error === thrown, thrown});
        });
      });
    }), `the first error of "${failure.title}"`);
  } finally {
    process.off('unhandledRejection', onUnhandledRejection);
  }
};

/** A configuration both engines refuse by throwing from `createPlanton`, and planton@3's code for it. */
export type Planton3ConfigurationFailure = {
  readonly code: string;
  readonly tasks: ReadonlyArray<Readonly<Record<string, unknown>>>;
  readonly title: string;
};

const schedule = async () => [];

export const planton3ConfigurationFailures: readonly Planton3ConfigurationFailure[] = [
  {code: 'UNEXPECTED_STATE_ERROR', tasks: [{name: '', schedule}], title: 'an empty task name'},
  {code: 'UNEXPECTED_STATE_ERROR', tasks: [{schedule}], title: 'no task name'},
  {code: 'INVALID_TASK_CONFIGURATION', tasks: [{concurrency: 0, name: 'a', schedule}], title: 'concurrency 0'},
  {code: 'INVALID_TASK_CONFIGURATION', tasks: [{concurrency: -1, name: 'a', schedule}], title: 'concurrency -1'},
  {code: 'DUPLICATE_TASK_NAME', tasks: [{name: 'a', schedule}, {name: 'a', schedule}], title: 'two tasks with one name'},
];

/** The `code` of what `engine` throws for `failure` (`null`: it threw nothing, or nothing with a code). */
export const runConfigurationFailure = (engine: Engine, failure: Planton3ConfigurationFailure): string | null => {
  try {
    void engine({getActiveTaskInstructions: async () => [], tasks: failure.tasks as never}).terminate();
  } catch (error) {
    const {code} = error as {readonly code?: unknown};

    return typeof code === 'string' ? code : null;
  }

  return null;
};
