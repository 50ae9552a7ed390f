import test from 'ava';
import {parseScheduledTask, type ParseScheduledTaskConfiguration} from '../../src/scheduler/index.ts';

test('applies the defaults: misfire once, UTC, retry by schedule kind', (t) => {
  t.like(parseScheduledTask({schedule: '0 3 * * *', timeout: 60_000}), {
    misfire: 'once',
    retry: {attempts: 1},
    schedule: {expression: '0 3 * * *', kind: 'CRON', timezone: 'UTC'},
    timeout: 60_000,
  });
  t.like(parseScheduledTask({schedule: {date: 0}, timeout: 1}), {retry: {attempts: 4, backoff: {delay: 1_000, type: 'exponential'}}});
});

const invalid: Array<[string, Partial<ParseScheduledTaskConfiguration>, {readonly code: string; readonly message?: string; readonly option: string}]> = [
  ['a negative timeout', {timeout: -1}, {code: 'INVALID_TIMEOUT', message: 'Expected `timeout` to be a finite number > 0 (milliseconds), got `-1`.', option: 'timeout'}],
  ['a zero timeout', {timeout: 0}, {code: 'INVALID_TIMEOUT', option: 'timeout'}],
  ['an infinite timeout', {timeout: Number.POSITIVE_INFINITY}, {code: 'INVALID_TIMEOUT', option: 'timeout'}],
  ['a missing timeout', {timeout: undefined}, {code: 'INVALID_TIMEOUT', option: 'timeout'}],
  ['an unknown misfire policy', {misfire: 'never' as never}, {code: 'INVALID_MISFIRE_POLICY', option: 'misfire'}],
  ['an unknown time zone', {timezone: 'Europe/Atlantis'}, {code: 'INVALID_TIMEZONE', option: 'timezone'}],
  ['an invalid cron expression', {schedule: '0 0 * * 9'}, {code: 'INVALID_CRON_EXPRESSION', option: 'schedule'}],
  ['an invalid retry policy', {retry: {attempts: 0}}, {code: 'INVALID_RETRY_POLICY', option: 'retry.attempts'}],
];

for (const [title, override, expected] of invalid) {
  test(`rejects a scheduled task with ${title}`, (t) => {
    const error = t.throws(() => parseScheduledTask({schedule: '* * * * *', timeout: 1_000, ...override} as ParseScheduledTaskConfiguration));
    t.like(error, expected);
  });
}

test('scheduler errors are PlantonErrors', async (t) => {
  const {PlantonError} = await import('../../src/planton/errors.ts');
  const error = t.throws(() => parseScheduledTask({schedule: '1h', timeout: -1}));
  t.true(error instanceof PlantonError);
});
