/**
 * Fuzz of the scheduler's timing: any schedule, time zone, timeout, misfire policy or retry policy
 * is either accepted or refused with a coded error; an accepted schedule's next run always ends,
 * quickly, with a valid Date strictly after `after` or null; an accepted retry policy's delays are
 * finite numbers >= 0.
 */
import test from 'ava';
import fc from 'fast-check';
import {calculateNextRun, calculatePreviousRun, calculateRetryDelay, parseDuration, parseSchedule, parseScheduledTask} from '../../src/scheduler/index.ts';
import type {Schedule, ScheduleInput} from '../../src/scheduler/index.ts';
import {hostileValue, nastyString} from './helpers/arbitraries.ts';
import {expectCoded} from './helpers/expectCoded.ts';
import {runProperty} from './helpers/runProperty.ts';
import {afterInstant, durationString, MAX_INSTANT, retryInput, scheduleInput, timezone} from './helpers/scheduleArbitraries.ts';

const SCHEDULE_CODES = new Set(['INVALID_CRON_EXPRESSION', 'INVALID_DATE', 'INVALID_INTERVAL', 'INVALID_REPEAT', 'INVALID_SCHEDULE', 'INVALID_TIMEZONE', 'UNKNOWN_REPEAT_UNIT']);

const TASK_CODES = new Set([...SCHEDULE_CODES, 'INVALID_MISFIRE_POLICY', 'INVALID_RETRY_POLICY', 'INVALID_TIMEOUT']);

const isValidRun = (run: unknown): run is Date => run instanceof Date && !Number.isNaN(run.getTime());

/**
 * Asks for the last run at or before `after` (a valid Date not after it, or null) and the next
 * three runs after it: each a valid Date after the one before, or null (and then no more).
 */
const assertRuns = (schedule: Schedule, after: Date) => {
  const last = expectCoded(new Set<string>(), () => calculatePreviousRun({atOrBefore: after, schedule}));

  if (last.accepted && last.value !== null && (!isValidRun(last.value) || last.value.getTime() > after.getTime())) {
    throw new Error(`Expected a valid Date at or before ${after.getTime()} or null, got ${String(last.value)} for ${JSON.stringify(schedule)}.`);
  }

  let previous = after;

  for (let step = 0; step < 3; step++) {
    const outcome = expectCoded(new Set<string>(), () => calculateNextRun({after: previous, schedule}));
    const next = outcome.accepted ? outcome.value : null;

    if (next === null) {
      return;
    }

    if (!isValidRun(next)) {
      throw new Error(`Expected a valid Date or null after ${previous.getTime()}, got ${String(next)} for ${JSON.stringify(schedule)}.`);
    }

    if (next.getTime() <= previous.getTime() || Math.abs(next.getTime()) > MAX_INSTANT) {
      throw new Error(`Expected a run after ${previous.getTime()}, got ${next.getTime()} for ${JSON.stringify(schedule)}.`);
    }

    previous = next;
  }
};

test('parseDuration returns a safe integer >= 0 or null for any string', async (t) => {
  await runProperty(fc.property(fc.oneof(durationString(), nastyString(), fc.string({unit: 'binary'})), (text) => {
    const milliseconds = expectCoded(new Set<string>(), () => parseDuration(text));

    return milliseconds.accepted && (milliseconds.value === null || (Number.isSafeInteger(milliseconds.value) && milliseconds.value >= 0));
  }), {numRuns: 2_000, timeLimit: 3_000});
  t.pass();
});

test('parseSchedule accepts a schedule or throws a coded error, and an accepted one has runs around `after` that are valid Dates or null', async (t) => {
  let accepted = 0;
  let runs = 0;

  await runProperty(fc.property(scheduleInput(), timezone(), afterInstant(), (schedule, zone, after) => {
    runs++;
    const outcome = expectCoded(SCHEDULE_CODES, () => parseSchedule({schedule: schedule as ScheduleInput, timezone: zone as string}));

    if (outcome.accepted) {
      accepted++;
      assertRuns(outcome.value, after);
    }
  }), {numRuns: 1_500, timeLimit: 4_000});
  // The generators must reach the accepting paths, not only the errors (a share: a loaded machine runs fewer cases).
  t.true(accepted >= runs / 20, `only ${accepted} of ${runs} schedules were accepted`);
});

test('parseScheduledTask accepts a whole timing configuration or throws a coded error; an accepted retry policy gives finite delays >= 0', async (t) => {
  await runProperty(fc.property(
    fc.record({
      misfire: fc.oneof(fc.constantFrom('once', 'all', 'skip', undefined, 'ONCE', ''), hostileValue()),
      retry: retryInput(),
      schedule: scheduleInput(),
      timeout: fc.oneof(fc.integer({max: 100_000, min: -1}), fc.double(), hostileValue()),
      timezone: timezone(),
    }, {requiredKeys: ['schedule', 'timeout']}),
    fc.integer({max: 2_000, min: 1}),
    (configuration, attempt) => {
      const outcome = expectCoded(TASK_CODES, () => parseScheduledTask(configuration as Parameters<typeof parseScheduledTask>[0]));

      if (!outcome.accepted) {
        return;
      }

      const {retry} = outcome.value;

      for (const tried of [1, attempt, retry.attempts - 1]) {
        const delay = expectCoded(new Set(['INVALID_RETRY_DELAY', 'INVALID_RETRY_POLICY']), () => calculateRetryDelay({attempt: tried, random: () => 0.5, retry}));

        if (tried >= 1 && tried < retry.attempts && delay.accepted && (typeof delay.value !== 'number' || !Number.isFinite(delay.value) || delay.value < 0)) {
          throw new Error(`Expected a finite retry delay >= 0 for attempt ${tried}, got ${String(delay.value)}.`);
        }
      }
    },
  ), {numRuns: 1_500, timeLimit: 4_000});
  t.pass();
});
