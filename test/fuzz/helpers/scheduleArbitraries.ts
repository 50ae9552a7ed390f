/**
 * Generators of what a user may write as a scheduled task's timing: cron expressions (valid,
 * nearly valid and junk), durations, dates, repeat periods, time zones and retry policies.
 */
import fc from 'fast-check';
import {hostileValue, nastyString} from './arbitraries.ts';

/** The largest instant a Date holds (±8.64e15 ms, 275,760 years either side of 1970). */
export const MAX_INSTANT = 8.64e15;

const cronNumber = fc.oneof(fc.integer({max: 70, min: 0}), fc.constantFrom(-1, 99, 2_147_483_648, 99_999_999_999));

const cronAtom = fc.oneof(
  {arbitrary: fc.constant('*'), weight: 5},
  {arbitrary: cronNumber.map(String), weight: 5},
  {arbitrary: fc.tuple(cronNumber, cronNumber).map(([from, to]) => `${from}-${to}`), weight: 2},
  {arbitrary: fc.tuple(fc.constantFrom('*', '0', '5', '1-10'), cronNumber).map(([base, step]) => `${base}/${step}`), weight: 2},
  {arbitrary: fc.constantFrom('L', 'LW', '15W', '31W', '1#5', '5#1', '6L', '?', 'MON', 'mon-fri', 'JAN', 'feb,dec', 'SUN#2', '7', 'L-3'), weight: 2},
  {arbitrary: nastyString(4), weight: 1},
);

const cronField = fc.array(cronAtom, {maxLength: 3, minLength: 1}).map((atoms) => atoms.join(','));

/** Cron expressions: mostly 5 or 6 fields of plausible tokens, some nicknames, some junk. */
export const cronExpression = (): fc.Arbitrary<string> => fc.oneof(
  {arbitrary: fc.array(cronField, {maxLength: 7, minLength: 4}).map((fields) => fields.join(' ')), weight: 8},
  {arbitrary: fc.constantFrom('@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly', '@reboot', '@', '@ daily', ' @daily ', '0 0 30 2 *', '0 0 31 4 *', '* * * * * *', '0 0 29 2 1'), weight: 2},
  {arbitrary: fc.tuple(nastyString(12), nastyString(12)).map(([left, right]) => `${left} ${right}`), weight: 1},
);

/** Duration strings (`1h30m`) and near misses. */
export const durationString = (): fc.Arbitrary<string> => fc.oneof(
  fc.array(fc.tuple(fc.oneof(fc.integer({max: 1_000, min: 0}).map(String), fc.constantFrom('99999999999999999999', '1e3', '-1', '0.5', '')), fc.constantFrom('w', 'd', 'h', 'm', 's', 'ms', 'M', 'y', '')), {maxLength: 7}).map((parts) => parts.map(([amount, unit]) => `${amount}${unit}`).join('')),
  nastyString(8),
);

/** Numbers a user might give as milliseconds: valid, fractional, negative, huge, NaN. */
export const looseNumber = (): fc.Arbitrary<number> => fc.oneof(
  fc.integer({max: 10_000_000, min: -10}),
  fc.double(),
  fc.constantFrom(0, 1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, MAX_INSTANT, MAX_INSTANT + 1, -MAX_INSTANT, Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY),
);

const pad = (value: number, length: number) => String(value).padStart(length, '0');

/** Dates as a user writes them: Date objects, numbers, ISO strings with or without an offset, wall times that do not exist. */
export const dateInput = (): fc.Arbitrary<unknown> => fc.oneof(
  fc.date({noInvalidDate: false}),
  fc.constantFrom(new Date(MAX_INSTANT), new Date(-MAX_INSTANT), new Date(MAX_INSTANT - 1)),
  looseNumber(),
  fc.record({
    day: fc.integer({max: 32, min: 0}),
    hour: fc.integer({max: 25, min: 0}),
    minute: fc.integer({max: 61, min: 0}),
    month: fc.integer({max: 13, min: 0}),
    offset: fc.constantFrom('', 'Z', '+02:00', '-0530', '+14:00', '+99:99', 'z'),
    separator: fc.constantFrom('T', ' ', 't'),
    year: fc.oneof(fc.integer({max: 2_100, min: 1_900}), fc.constantFrom(0, 1, 9_999, 275_760)),
  }).map(({day, hour, minute, month, offset, separator, year}) => `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}${separator}${pad(hour, 2)}:${pad(minute, 2)}${offset}`),
  fc.constantFrom('2026-03-29T02:30', '2026-10-25T02:30', '2026-02-30', '2026-01-01', '+275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z', 'tomorrow', ''),
  hostileValue(),
);

const REPEAT_KEYS = ['y', 'years', 'M', 'months', 'w', 'weeks', 'd', 'days', 'h', 'hours', 'm', 'minutes', 's', 'seconds', 'ms', 'milliseconds'] as const;

/** Repeat periods: units long or short, amounts valid or not, unknown keys, non-objects. */
export const repeatInput = (): fc.Arbitrary<unknown> => fc.oneof(
  {arbitrary: fc.dictionary(fc.constantFrom(...REPEAT_KEYS), fc.oneof(fc.integer({max: 40, min: 0}), looseNumber()), {maxKeys: 3}), weight: 6},
  {arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...REPEAT_KEYS, '__proto__', 'constructor', 'toString', 'Y', 'D'), nastyString(4)), hostileValue(), {maxKeys: 3}), weight: 2},
  {arbitrary: hostileValue(), weight: 1},
);

const ZONES = Intl.supportedValuesOf('timeZone');

/** Time zones: real IANA names, offsets, and strings or values Intl refuses. */
export const timezone = (): fc.Arbitrary<unknown> => fc.oneof(
  {arbitrary: fc.constantFrom(...ZONES), weight: 6},
  {arbitrary: fc.constantFrom('UTC', 'utc', 'Etc/UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Kiritimati', 'Pacific/Chatham', 'Asia/Kathmandu', 'America/St_Johns'), weight: 4},
  {arbitrary: fc.constantFrom('+00:00', '+02:00', '-05:30', '+14:00', '-12:00', '+13:45', '+24:00', '+99:99', 'GMT+2', 'Etc/GMT+14', 'Mars/Olympus'), weight: 2},
  {arbitrary: fc.constant(undefined), weight: 2},
  {arbitrary: hostileValue(), weight: 1},
);

/** What a user writes as `schedule`. */
export const scheduleInput = (): fc.Arbitrary<unknown> => fc.oneof(
  {arbitrary: cronExpression(), weight: 6},
  {arbitrary: durationString(), weight: 3},
  {arbitrary: fc.record({every: fc.oneof(durationString(), looseNumber(), hostileValue())}), weight: 2},
  {arbitrary: fc.record({date: dateInput(), repeat: repeatInput()}, {requiredKeys: ['date']}), weight: 5},
  {arbitrary: fc.record({date: dateInput(), every: looseNumber()}), weight: 1},
  {arbitrary: hostileValue(), weight: 1},
);

/** What a user writes as `retry`. */
export const retryInput = (): fc.Arbitrary<unknown> => fc.oneof(
  fc.constant(undefined),
  fc.record({
    attempts: fc.oneof(fc.integer({max: 10, min: -1}), looseNumber(), hostileValue()),
    backoff: fc.oneof(
      fc.constant(undefined),
      fc.constant((attempt: number) => attempt * 1_000),
      fc.record({delay: fc.oneof(looseNumber(), hostileValue()), jitter: fc.oneof(fc.double(), hostileValue()), maxDelay: fc.oneof(looseNumber(), hostileValue()), type: fc.constantFrom('fixed', 'exponential', 'linear', '')}, {requiredKeys: ['delay', 'type']}),
      hostileValue(),
    ),
  }, {requiredKeys: ['attempts']}),
  hostileValue(),
);

/** `after` for calculateNextRun: ordinary instants, and the edges of what a Date holds. */
export const afterInstant = (): fc.Arbitrary<Date> => fc.oneof(
  {arbitrary: fc.date({max: new Date('2100-01-01'), min: new Date('1900-01-01'), noInvalidDate: true}), weight: 6},
  {arbitrary: fc.date({noInvalidDate: true}), weight: 2},
  {arbitrary: fc.constantFrom(MAX_INSTANT, MAX_INSTANT - 1, MAX_INSTANT - 86_400_000, -MAX_INSTANT, -MAX_INSTANT + 86_400_000, 0).map((instant) => new Date(instant)), weight: 2},
);
