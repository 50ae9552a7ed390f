import test from 'ava';
import {calculateFailedAttempt} from '../../../src/adapters/mysql/calculateFailedAttempt.ts';

const policy = {maximumAttemptCount: 3, maximumRetryDelay: 5_000, retryDelay: 1_000};

const cases: Array<[string, Parameters<typeof calculateFailedAttempt>[0]['previous'], ReturnType<typeof calculateFailedAttempt>]> = [
  ['the first failure waits retryDelay', null, {attempts: 1, dead: false, deadAt: null, retryAt: 10_000 + 1_000}],
  ['the second doubles it', {deadAt: null, failedAttemptCount: 1}, {attempts: 2, dead: false, deadAt: null, retryAt: 10_000 + 2_000}],
  ['the last makes the instruction dead now', {deadAt: null, failedAttemptCount: 2}, {attempts: 3, dead: true, deadAt: 10_000, retryAt: 10_000 + 4_000}],
  ['beyond the last, it stays dead since its first death', {deadAt: 7_000, failedAttemptCount: 3}, {attempts: 4, dead: false, deadAt: 7_000, retryAt: 10_000 + 5_000}],
  ['a revived count below the limit is not dead', {deadAt: null, failedAttemptCount: 0}, {attempts: 1, dead: false, deadAt: null, retryAt: 10_000 + 1_000}],
];

for (const [title, previous, expected] of cases) {
  test(`calculateFailedAttempt: ${title}`, (t) => {
    t.deepEqual(calculateFailedAttempt({now: 10_000, policy, previous}), expected);
  });
}

test('calculateFailedAttempt: the wait is capped at maximumRetryDelay however many attempts failed', (t) => {
  t.is(calculateFailedAttempt({now: 0, policy: {...policy, maximumAttemptCount: 1_000}, previous: {deadAt: null, failedAttemptCount: 500}}).retryAt, 5_000);
});
