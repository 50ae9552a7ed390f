import test from 'ava';
import {parseSchedule, type ParseScheduleConfiguration, type Schedule} from '../../src/scheduler/index.ts';

const period = (units: Partial<Record<'days' | 'hours' | 'milliseconds' | 'minutes' | 'months' | 'seconds' | 'weeks' | 'years', number>>) => {
  return {days: 0, hours: 0, milliseconds: 0, minutes: 0, months: 0, seconds: 0, weeks: 0, years: 0, ...units};
};

const valid: Array<[string, ParseScheduleConfiguration, Schedule]> = [
  ['a 5-field cron expression', {schedule: '*/15 * * * *'}, {expression: '*/15 * * * *', kind: 'CRON', timezone: 'UTC'}],
  ['a 6-field cron expression (seconds first)', {schedule: '* * * * * *'}, {expression: '* * * * * *', kind: 'CRON', timezone: 'UTC'}],
  ['a cron expression in a time zone, trimmed', {schedule: ' 30 2 * * * ', timezone: 'Europe/Berlin'}, {expression: '30 2 * * *', kind: 'CRON', timezone: 'Europe/Berlin'}],
  ['a cron nickname', {schedule: '@daily'}, {expression: '@daily', kind: 'CRON', timezone: 'UTC'}],
  ['{every} in milliseconds', {schedule: {every: 900_000}}, {every: 900_000, kind: 'INTERVAL'}],
  ['{every} as a duration', {schedule: {every: '15m'}}, {every: 900_000, kind: 'INTERVAL'}],
  ['15m', {schedule: '15m'}, {every: 900_000, kind: 'INTERVAL'}],
  ['1h30m', {schedule: '1h30m'}, {every: 5_400_000, kind: 'INTERVAL'}],
  ['10s', {schedule: '10s'}, {every: 10_000, kind: 'INTERVAL'}],
  ['500ms', {schedule: '500ms'}, {every: 500, kind: 'INTERVAL'}],
  ['1m30s500ms', {schedule: '1m30s500ms'}, {every: 90_500, kind: 'INTERVAL'}],
  ['1w2d', {schedule: '1w2d'}, {every: 777_600_000, kind: 'INTERVAL'}],
  ['a one-shot Date', {schedule: {date: new Date('2026-05-01T09:00:00Z')}}, {date: new Date('2026-05-01T09:00:00Z'), kind: 'ONE_SHOT', repeat: null, timezone: 'UTC'}],
  ['a one-shot epoch number', {schedule: {date: 0}}, {date: new Date(0), kind: 'ONE_SHOT', repeat: null, timezone: 'UTC'}],
  ['a one-shot ISO string with offset', {schedule: {date: '2026-05-01T11:00:00+02:00'}, timezone: 'America/New_York'}, {date: new Date('2026-05-01T09:00:00Z'), kind: 'ONE_SHOT', repeat: null, timezone: 'America/New_York'}],
  ['a one-shot string without offset, read in the time zone', {schedule: {date: '2026-05-01T11:00'}, timezone: 'Europe/Berlin'}, {date: new Date('2026-05-01T09:00:00Z'), kind: 'ONE_SHOT', repeat: null, timezone: 'Europe/Berlin'}],
  ['a one-shot date-only string: midnight in the time zone', {schedule: {date: '2026-01-15'}, timezone: 'Europe/Berlin'}, {date: new Date('2026-01-14T23:00:00Z'), kind: 'ONE_SHOT', repeat: null, timezone: 'Europe/Berlin'}],
  ['a one-shot string in a DST gap, moved forward', {schedule: {date: '2026-03-29T02:30'}, timezone: 'Europe/Berlin'}, {date: new Date('2026-03-29T01:30:00Z'), kind: 'ONE_SHOT', repeat: null, timezone: 'Europe/Berlin'}],
  ['a one-shot string in a DST overlap, its first occurrence', {schedule: {date: '2026-10-25T02:30'}, timezone: 'Europe/Berlin'}, {date: new Date('2026-10-25T00:30:00Z'), kind: 'ONE_SHOT', repeat: null, timezone: 'Europe/Berlin'}],
  ['repeat with long units', {schedule: {date: 0, repeat: {days: 7, months: 1}}}, {date: new Date(0), kind: 'ONE_SHOT', repeat: period({days: 7, months: 1}), timezone: 'UTC'}],
  ['repeat with shorthands', {schedule: {date: 0, repeat: {d: 7, M: 1}}}, {date: new Date(0), kind: 'ONE_SHOT', repeat: period({days: 7, months: 1}), timezone: 'UTC'}],
  ['repeat with every shorthand', {schedule: {date: 0, repeat: {d: 4, h: 5, m: 6, M: 2, ms: 8, s: 7, w: 3, y: 1}}}, {date: new Date(0), kind: 'ONE_SHOT', repeat: {days: 4, hours: 5, milliseconds: 8, minutes: 6, months: 2, seconds: 7, weeks: 3, years: 1}, timezone: 'UTC'}],
  ['repeat with zero units beside a positive one', {schedule: {date: 0, repeat: {hours: 0, years: 1}}}, {date: new Date(0), kind: 'ONE_SHOT', repeat: period({years: 1}), timezone: 'UTC'}],
  ['an offset time zone', {schedule: '0 12 * * *', timezone: '+02:00'}, {expression: '0 12 * * *', kind: 'CRON', timezone: '+02:00'}],
];

for (const [title, configuration, expected] of valid) {
  test(`parses ${title}`, (t) => {
    t.deepEqual(parseSchedule(configuration), expected);
  });
}

type Expected = {readonly code: string; readonly field?: string | null; readonly message?: string; readonly option: string};

const invalid: Array<[string, ParseScheduleConfiguration, Expected]> = [
  ['a cron expression of 4 fields', {schedule: '* * * *'}, {code: 'INVALID_CRON_EXPRESSION', field: null, message: 'Expected `schedule` to be a cron expression of 5 or 6 fields, got `* * * *`: expected 5 or 6 space-separated fields (seconds first when 6), got 4.', option: 'schedule'}],
  ['a cron expression of 7 fields', {schedule: '0 0 0 1 1 * 2030'}, {code: 'INVALID_CRON_EXPRESSION', field: null, option: 'schedule'}],
  ['minute 61', {schedule: '61 * * * *'}, {code: 'INVALID_CRON_EXPRESSION', field: 'minute', message: 'Expected `schedule` to be a cron expression of 5 or 6 fields, got `61 * * * *`: the minute field `61` is out of range.', option: 'schedule'}],
  ['hour 25', {schedule: '0 25 * * *'}, {code: 'INVALID_CRON_EXPRESSION', field: 'hour', option: 'schedule'}],
  ['hour 25 in a 6-field expression', {schedule: '0 0 25 * * *'}, {code: 'INVALID_CRON_EXPRESSION', field: 'hour', option: 'schedule'}],
  ['day-of-month 32', {schedule: '* * 32 * *'}, {code: 'INVALID_CRON_EXPRESSION', field: 'dayOfMonth', message: 'Expected `schedule` to be a cron expression of 5 or 6 fields, got `* * 32 * *`: the day-of-month field `32` is out of range.', option: 'schedule'}],
  ['month 13', {schedule: '* * * 13 *'}, {code: 'INVALID_CRON_EXPRESSION', field: 'month', option: 'schedule'}],
  ['day-of-week 8', {schedule: '* * * * 8'}, {code: 'INVALID_CRON_EXPRESSION', field: 'dayOfWeek', option: 'schedule'}],
  ['second 70', {schedule: '70 * * * * *'}, {code: 'INVALID_CRON_EXPRESSION', field: 'second', option: 'schedule'}],
  ['a step of 0', {schedule: '*/0 * * * *'}, {code: 'INVALID_CRON_EXPRESSION', field: 'minute', message: 'Expected `schedule` to be a cron expression of 5 or 6 fields, got `*/0 * * * *`: the minute field `*/0` has an invalid step.', option: 'schedule'}],
  ['letters', {schedule: '0 x * * *'}, {code: 'INVALID_CRON_EXPRESSION', field: 'hour', message: 'Expected `schedule` to be a cron expression of 5 or 6 fields, got `0 x * * *`: the hour field `x` contains characters croner does not accept.', option: 'schedule'}],
  ['an expression that never matches', {schedule: '0 0 30 2 *'}, {code: 'INVALID_CRON_EXPRESSION', field: null, message: 'Expected `schedule` to be a cron expression of 5 or 6 fields, got `0 0 30 2 *`: it matches no date.', option: 'schedule'}],
  ['an unknown time zone', {schedule: '* * * * *', timezone: 'Mars/Olympus'}, {code: 'INVALID_TIMEZONE', message: 'Expected `timezone` to be an IANA time zone such as `Europe/Berlin` or an offset such as `+02:00`, got `"Mars/Olympus"`.', option: 'timezone'}],
  ['an empty time zone', {schedule: '15m', timezone: ''}, {code: 'INVALID_TIMEZONE', option: 'timezone'}],
  ['a duration with an unknown unit', {schedule: '15x'}, {code: 'INVALID_INTERVAL', message: 'Expected `schedule` to be an integer number of milliseconds >= 1 or a duration such as `15m`, `1h30m` or `500ms`, got `"15x"`.', option: 'schedule'}],
  ['a duration with units out of order', {schedule: '30m1h'}, {code: 'INVALID_INTERVAL', option: 'schedule'}],
  ['a decimal duration', {schedule: '1.5h'}, {code: 'INVALID_INTERVAL', option: 'schedule'}],
  ['a zero duration', {schedule: '0s'}, {code: 'INVALID_INTERVAL', option: 'schedule'}],
  ['every 0', {schedule: {every: 0}}, {code: 'INVALID_INTERVAL', option: 'schedule.every'}],
  ['every -1', {schedule: {every: -1}}, {code: 'INVALID_INTERVAL', option: 'schedule.every'}],
  ['every 1.5', {schedule: {every: 1.5}}, {code: 'INVALID_INTERVAL', option: 'schedule.every'}],
  ['every NaN', {schedule: {every: Number.NaN}}, {code: 'INVALID_INTERVAL', option: 'schedule.every'}],
  ['every "soon"', {schedule: {every: 'soon'}}, {code: 'INVALID_INTERVAL', option: 'schedule.every'}],
  ['an unknown repeat unit', {schedule: {date: 0, repeat: {fortnights: 1} as never}}, {code: 'UNKNOWN_REPEAT_UNIT', message: 'Expected the units of `schedule.repeat` to be years, months, weeks, days, hours, minutes, seconds, milliseconds or their shorthands y, M, w, d, h, m, s, ms, got `fortnights`.', option: 'schedule.repeat.fortnights'}],
  ['a repeat unit spelled in the wrong case', {schedule: {date: 0, repeat: {D: 1} as never}}, {code: 'UNKNOWN_REPEAT_UNIT', option: 'schedule.repeat.D'}],
  ['a negative repeat', {schedule: {date: 0, repeat: {days: -1}}}, {code: 'INVALID_REPEAT', message: 'Expected `schedule.repeat.days` to be an integer >= 0, got `-1`.', option: 'schedule.repeat.days'}],
  ['a fractional repeat', {schedule: {date: 0, repeat: {M: 0.5}}}, {code: 'INVALID_REPEAT', option: 'schedule.repeat.M'}],
  ['a unit given long and short', {schedule: {date: 0, repeat: {M: 2, months: 1}}}, {code: 'INVALID_REPEAT', message: 'Expected `schedule.repeat.months` to be absent when `schedule.repeat.M` is given (both are months), got `1`.', option: 'schedule.repeat.months'}],
  ['an empty repeat', {schedule: {date: 0, repeat: {}}}, {code: 'INVALID_REPEAT', option: 'schedule.repeat'}],
  ['a repeat that is not an object', {schedule: {date: 0, repeat: 'daily' as never}}, {code: 'INVALID_REPEAT', option: 'schedule.repeat'}],
  ['an invalid Date', {schedule: {date: new Date(Number.NaN)}}, {code: 'INVALID_DATE', option: 'schedule.date'}],
  ['a date that does not parse', {schedule: {date: 'tomorrow'}}, {code: 'INVALID_DATE', message: 'Expected `schedule.date` to be a valid Date, a number of milliseconds since the epoch or an ISO 8601 string, got `"tomorrow"`.', option: 'schedule.date'}],
  ['February 30', {schedule: {date: '2026-02-30T10:00'}}, {code: 'INVALID_DATE', option: 'schedule.date'}],
  ['a missing date', {schedule: {repeat: {days: 1}} as never}, {code: 'INVALID_SCHEDULE', option: 'schedule'}],
  ['an unknown schedule key', {schedule: {date: 0, every: 5} as never}, {code: 'INVALID_SCHEDULE', option: 'schedule.date'}],
  ['a number', {schedule: 1_000 as never}, {code: 'INVALID_SCHEDULE', message: 'Expected `schedule` to be a cron expression, a duration such as `15m`, `{every}` or `{date, repeat?}`, got `1000`.', option: 'schedule'}],
  ['null', {schedule: null as never}, {code: 'INVALID_SCHEDULE', option: 'schedule'}],
];

for (const [title, configuration, expected] of invalid) {
  test(`rejects ${title} with ${expected.code}`, (t) => {
    const error = t.throws(() => parseSchedule(configuration));
    t.like(error, expected);
  });
}

test('an INVALID_CRON_EXPRESSION carries croner\'s error as its cause', (t) => {
  const error = t.throws(() => parseSchedule({schedule: '* * 32 * *'}));
  t.true(error?.cause instanceof Error);
  t.like(error, {expression: '* * 32 * *', name: 'InvalidCronExpressionError'});
});
