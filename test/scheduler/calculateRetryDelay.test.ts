import test from 'ava';
import {calculateRetryDelay, decideJobOutcome, parseRetryPolicy, parseSchedule, type RetryPolicyInput} from '../../src/scheduler/index.ts';

const cron = parseSchedule({schedule: '* * * * *'});
const interval = parseSchedule({schedule: '15m'});
const oneShot = parseSchedule({schedule: {date: 0}});

/** Delays after attempts 1, 2, … until the policy says stop (`null`). */
const delays = (retry: RetryPolicyInput | undefined, schedule = oneShot, random = () => 0.5): Array<number | null> => {
  const policy = parseRetryPolicy({retry, schedule});
  const result: Array<number | null> = [];

  for (let attempt = 1; attempt <= 10; attempt++) {
    const delay = calculateRetryDelay({attempt, random, retry: policy});
    result.push(delay);

    if (delay === null) {
      break;
    }
  }

  return result;
};

const cases: Array<[string, RetryPolicyInput | undefined, ReturnType<typeof parseSchedule>, Array<number | null>, (() => number)?]> = [
  ['a cron job by default: never retried', undefined, cron, [null]],
  ['an interval job by default: never retried', undefined, interval, [null]],
  ['a one-shot job by default: retried 3 times, 1 s, 2 s, 4 s', undefined, oneShot, [1_000, 2_000, 4_000, null]],
  ['fixed', {attempts: 3, backoff: {delay: 500, type: 'fixed'}}, cron, [500, 500, null]],
  ['exponential', {attempts: 5, backoff: {delay: 100, type: 'exponential'}}, cron, [100, 200, 400, 800, null]],
  ['exponential capped at maxDelay', {attempts: 6, backoff: {delay: 100, maxDelay: 500, type: 'exponential'}}, cron, [100, 200, 400, 500, 500, null]],
  ['exponential, full jitter, random 0.5', {attempts: 4, backoff: {delay: 1_000, jitter: 1, type: 'exponential'}}, cron, [500, 1_000, 2_000, null]],
  ['exponential, jitter 0.2, random 0 (no reduction)', {attempts: 3, backoff: {delay: 1_000, jitter: 0.2, type: 'exponential'}}, cron, [1_000, 2_000, null], () => 0],
  ['exponential, jitter 0.2, random 0.999 (almost the most reduction)', {attempts: 3, backoff: {delay: 1_000, jitter: 0.2, type: 'exponential'}}, cron, [800, 1_600, null], () => 0.999],
  ['exponential, jitter after the cap', {attempts: 4, backoff: {delay: 1_000, jitter: 0.5, maxDelay: 1_500, type: 'exponential'}}, cron, [500, 750, 750, null], () => 1],
  ['a function of the attempt number', {attempts: 4, backoff: (attempt) => attempt * 10}, cron, [10, 20, 30, null]],
  ['attempts without backoff: exponential from 1 s', {attempts: 3}, cron, [1_000, 2_000, null]],
  ['attempts 1: never retried, even a one-shot', {attempts: 1}, oneShot, [null]],
];

for (const [title, retry, schedule, expected, random] of cases) {
  test(`retry delays: ${title}`, (t) => {
    t.deepEqual(delays(retry, schedule, random), expected);
  });
}

const invalid: Array<[string, unknown, {readonly code: string; readonly message?: string; readonly option: string}]> = [
  ['attempts 0', {attempts: 0}, {code: 'INVALID_RETRY_POLICY', message: 'Expected `retry.attempts` to be an integer >= 1 (all attempts, the first included), got `0`.', option: 'retry.attempts'}],
  ['attempts 1.5', {attempts: 1.5}, {code: 'INVALID_RETRY_POLICY', option: 'retry.attempts'}],
  ['a number instead of an object', 3, {code: 'INVALID_RETRY_POLICY', option: 'retry'}],
  ['an unknown backoff type', {attempts: 2, backoff: {delay: 1, type: 'linear'}}, {code: 'INVALID_RETRY_POLICY', option: 'retry.backoff'}],
  ['a negative delay', {attempts: 2, backoff: {delay: -1, type: 'fixed'}}, {code: 'INVALID_RETRY_POLICY', message: 'Expected `retry.backoff.delay` to be a finite number >= 0 (milliseconds), got `-1`.', option: 'retry.backoff.delay'}],
  ['maxDelay below delay', {attempts: 2, backoff: {delay: 100, maxDelay: 50, type: 'exponential'}}, {code: 'INVALID_RETRY_POLICY', option: 'retry.backoff.maxDelay'}],
  ['jitter above 1', {attempts: 2, backoff: {delay: 100, jitter: 1.5, type: 'exponential'}}, {code: 'INVALID_RETRY_POLICY', option: 'retry.backoff.jitter'}],
];

for (const [title, retry, expected] of invalid) {
  test(`rejects a retry policy with ${title}`, (t) => {
    const error = t.throws(() => parseRetryPolicy({retry: retry as RetryPolicyInput, schedule: cron}));
    t.like(error, expected);
  });
}

test('a backoff function returning garbage is INVALID_RETRY_DELAY', (t) => {
  const retry = parseRetryPolicy({retry: {attempts: 3, backoff: () => Number.NaN}, schedule: cron});
  const error = t.throws(() => calculateRetryDelay({attempt: 2, retry}));
  t.like(error, {attempt: 2, code: 'INVALID_RETRY_DELAY', message: 'Expected `retry.backoff(2)` to return a finite number >= 0 (milliseconds), got `NaN`.', option: 'retry.backoff'});
});

test('an attempt number below 1 is INVALID_RETRY_POLICY', (t) => {
  const error = t.throws(() => calculateRetryDelay({attempt: 0, retry: parseRetryPolicy({schedule: oneShot})}));
  t.like(error, {code: 'INVALID_RETRY_POLICY', option: 'attempt'});
});

// Found by test/fuzz/schedule.test.ts: past ~1,000 attempts doubling reached Infinity (and 0 × Infinity, NaN).
test('exponential backoff without maxDelay stays finite after 1,016 attempts: capped at the span of a Date', (t) => {
  const retry = parseRetryPolicy({retry: {attempts: 2_000}, schedule: cron});
  t.is(calculateRetryDelay({attempt: 1_016, random: () => 0.5, retry}), 8.64e15);
  t.is(calculateRetryDelay({attempt: 1_500, random: () => 0.5, retry: parseRetryPolicy({retry: {attempts: 2_000, backoff: {delay: 0, type: 'exponential'}}, schedule: cron})}), 0);
});

test('a retry whose delay reaches past the last instant a Date holds waits until that instant', (t) => {
  const retry = parseRetryPolicy({retry: {attempts: 3, backoff: {delay: 1e300, type: 'fixed'}}, schedule: cron});
  t.like(decideJobOutcome({attempt: 1, error: new Error('x'), now: Date.parse('2026-01-01T00:00:00Z'), retry}), {runAt: 8.64e15, state: 'WAITING'});
});
