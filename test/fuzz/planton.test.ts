/**
 * Fuzz of the engine: any configuration given to createPlanton is accepted or refused with a coded
 * error; whatever a task's functions return or throw (hostile values, non-Errors, rejections), every
 * `error` event carries a coded PlantonError (or the user's own Error, as planton@3 did), nothing
 * rejects unhandled, and the loop goes on to emit the next valid instructions.
 */
import test from 'ava';
import fc from 'fast-check';
import {createPlanton, PlantonError, type TaskConfiguration} from '../../src/index.ts';
import {createManualClock} from '../helpers/createManualClock.ts';
import {recordEvents} from '../helpers/recordEvents.ts';
import {watchUnhandledRejections} from '../helpers/watchUnhandledRejections.ts';
import {HostileValueError, hostileValue, nastyString} from './helpers/arbitraries.ts';
import {expectCoded} from './helpers/expectCoded.ts';
import {runProperty} from './helpers/runProperty.ts';

const CONFIGURATION_CODES = new Set(['DUPLICATE_TASK_NAME', 'INVALID_CONFIGURATION', 'INVALID_TASK_CONFIGURATION', 'UNEXPECTED_STATE_ERROR']);

/** Codes of the `error` events a task's functions can cause. */
const LOOP_CODES = new Set(['INVALID_DELAY', 'SCHEDULE_TIMEOUT', 'TASK_LISTENER_ERROR', 'UNEXPECTED_STATE_ERROR', 'UNEXPECTED_TASK_INSTRUCTIONS', 'USER_FUNCTION_ERROR']);

/** A value or a function (sometimes hostile, sometimes fine) for one option of a task. */
const optionValue = <T>(valid: fc.Arbitrary<T>) => fc.oneof(
  {arbitrary: fc.constant(undefined), weight: 3},
  {arbitrary: valid, weight: 3},
  {arbitrary: hostileValue(), weight: 2},
);

const taskConfiguration = fc.record({
  calculateDelay: optionValue(fc.constant(() => 10)),
  calculateLimit: optionValue(fc.constant(() => 1)),
  concurrency: optionValue(fc.integer({max: 5, min: 1})),
  delay: optionValue(fc.constant(() => 10)),
  name: fc.oneof(fc.constantFrom('a', 'b'), nastyString(), hostileValue()),
  schedule: optionValue(fc.constant(() => [])),
  scheduleTimeout: optionValue(fc.integer({max: 10_000, min: 1})),
}, {requiredKeys: []});

test('createPlanton accepts any configuration or throws a coded error', async (t) => {
  let accepted = 0;
  let runs = 0;

  await runProperty(fc.asyncProperty(
    fc.record({
      getActiveTaskInstructions: optionValue(fc.constant(() => [])),
      maxConcurrentCalls: optionValue(fc.integer({max: 5, min: 1})),
      tasks: fc.oneof({arbitrary: fc.array(taskConfiguration, {maxLength: 3}), weight: 5}, {arbitrary: hostileValue(), weight: 1}),
      terminateTimeout: optionValue(fc.integer({max: 100, min: 0})),
    }, {requiredKeys: []}),
    async (configuration) => {
      runs++;
      const outcome = expectCoded(CONFIGURATION_CODES, () => createPlanton({clock: createManualClock(), ...configuration} as Parameters<typeof createPlanton>[0]));

      if (outcome.accepted) {
        accepted++;
        await outcome.value.terminate();
      }
    },
  ), {numRuns: 1_000, timeLimit: 4_000});
  t.true(accepted >= runs / 50, `only ${accepted} of ${runs} configurations were accepted`);
});

/** One step of a user function: return this value, throw it, or reject with it. */
const step = fc.record({how: fc.constantFrom('return', 'resolve', 'throw', 'reject'), value: hostileValue()});

type Step = {readonly how: string; readonly value: unknown};

/** A user function that plays `steps` in turn, then calls `then`. */
const playing = (steps: Step[], then: () => unknown) => {
  return () => {
    const next = steps.shift();

    if (next === undefined) {
      return then();
    }

    switch (next.how) {
      case 'throw':
        throw next.value;
      case 'reject':
        return Promise.reject(next.value);
      case 'resolve':
        return Promise.resolve(next.value);
      default:
        return next.value;
    }
  };
};

test('whatever a task\'s functions return or throw, errors are coded, nothing rejects unhandled, and the loop goes on', async (t) => {
  const unhandled = watchUnhandledRejections(t);

  await runProperty(fc.asyncProperty(
    fc.array(step, {maxLength: 3}),
    fc.array(step, {maxLength: 3}),
    fc.array(step, {maxLength: 3}),
    fc.array(step, {maxLength: 3}),
    fc.boolean(),
    async (active, limits, delays, schedules, withLimit) => {
      const clock = createManualClock();
      const planton = createPlanton<string>({
        clock,
        getActiveTaskInstructions: playing(active, () => []) as () => string[],
        tasks: [{
          calculateDelay: playing(delays, () => 10) as () => number,
          calculateLimit: withLimit ? playing(limits, () => 1) as () => number : undefined,
          name: 'a',
          schedule: playing(schedules, () => ['ok']) as TaskConfiguration<string>['schedule'],
          scheduleTimeout: 5_000,
        }],
      });
      const {errors, tasks} = recordEvents(planton);

      try {
        // Each bad step costs at most one round and the fallback delay (1 s); 12 steps, 12 rounds.
        for (let round = 0; round < 16 && !tasks.some((task) => task.instruction === 'ok'); round++) {
          await clock.advance(1_000);
        }
      } finally {
        await planton.terminate();
      }

      for (const {error} of errors) {
        const ownError = error instanceof Error && !(error instanceof PlantonError);

        if (!ownError && !(error instanceof PlantonError && LOOP_CODES.has(error.code))) {
          throw new Error(`Expected a coded error event, got ${String((error as {code?: unknown}).code)}: ${String(error.message)}`);
        }

        // A non-Error thrown is wrapped; an Error (the hostile value's own or another) is passed as is.
        if (ownError && !(error instanceof HostileValueError) && !schedules.concat(active, limits, delays).some((played) => played.value === error)) {
          throw new Error(`Expected an error event's own Error to be one the functions threw, got ${error.message}`);
        }
      }

      if (!tasks.some((task) => task.instruction === 'ok')) {
        throw new Error(`Expected the loop to go on and emit \`ok\`; errors: ${errors.map(({error}) => error.message).join(' | ')}`);
      }

      if (unhandled.length > 0) {
        throw new Error(`Unhandled rejection: ${String(unhandled[0])}`);
      }
    },
  ), {numRuns: 150, timeLimit: 4_000});
  t.deepEqual(unhandled, []);
});
