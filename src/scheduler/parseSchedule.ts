import {Cron, CronPattern} from 'croner';
import {createTimeZone, type TimeZone, type WallTime} from './createTimeZone.ts';
import {
  type CronField,
  InvalidCronExpressionError,
  InvalidDateError,
  InvalidIntervalError,
  InvalidRepeatError,
  InvalidScheduleError,
  UnknownRepeatUnitError,
} from './errors.ts';
import {parseDuration} from './parseDuration.ts';
import type {RepeatInput, RepeatPeriod, RepeatUnit, Schedule, ScheduleInput} from './scheduleTypes.ts';

export type ParseScheduleConfiguration = {
  /** A cron expression, a duration string, `{every}` or `{date, repeat?}`. */
  readonly schedule: ScheduleInput;
  /**
   * The IANA time zone (or UTC offset such as `+02:00`) in which cron expressions are evaluated,
   * repeat periods of days and longer are counted, and dates written without an offset are read.
   * @default 'UTC'
   */
  readonly timezone?: string;
};

const CRON_FIELDS_6: readonly CronField[] = ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'];

const CRON_FIELD_LABELS: Readonly<Record<CronField, string>> = {
  dayOfMonth: 'day-of-month',
  dayOfWeek: 'day-of-week',
  hour: 'hour',
  minute: 'minute',
  month: 'month',
  second: 'second',
};

const REPEAT_UNITS: Readonly<Record<string, RepeatUnit>> = {
  d: 'days',
  days: 'days',
  h: 'hours',
  hours: 'hours',
  m: 'minutes',
  M: 'months',
  milliseconds: 'milliseconds',
  minutes: 'minutes',
  months: 'months',
  ms: 'milliseconds',
  s: 'seconds',
  seconds: 'seconds',
  w: 'weeks',
  weeks: 'weeks',
  y: 'years',
  years: 'years',
};

const OFFSET_SUFFIX = /[T ]\d{2}(?::?\d{2}){0,2}(?:\.\d+)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/iu;

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/u;

const utcOfFields = (wallTime: WallTime): number => {
  return Date.UTC(wallTime.year, wallTime.month - 1, wallTime.day, wallTime.hour, wallTime.minute, wallTime.second);
};

const describeFault = (message: string): string => {
  if (message.includes('Invalid value')) {
    return 'is out of range';
  }

  if (message.includes('illegal characters')) {
    return 'contains characters croner does not accept';
  }

  if (message.includes('stepping')) {
    return 'has an invalid step';
  }

  return 'is invalid';
};

/** Finds the one field croner rejects on its own (every other field `*`), to name it in the error. */
const findFaultyField = (fields: readonly string[]): {readonly fault: string; readonly field: CronField; readonly token: string} | null => {
  const names = fields.length === 6 ? CRON_FIELDS_6 : CRON_FIELDS_6.slice(1);

  for (const [index, token] of fields.entries()) {
    try {
      new CronPattern(fields.map((field, position) => (position === index ? field : '*')).join(' '), undefined, {mode: '5-or-6-parts'});
    } catch (error) {
      const field = names[index];

      if (field !== undefined) {
        return {fault: describeFault(error instanceof Error ? error.message : String(error)), field, token};
      }
    }
  }

  return null;
};

const parseCron = (expression: string, timeZone: TimeZone): Schedule => {
  const trimmed = expression.trim();
  const fields = trimmed.split(/\s+/u);

  if (!trimmed.startsWith('@') && (fields.length < 5 || fields.length > 6)) {
    throw new InvalidCronExpressionError(trimmed, null, `expected 5 or 6 space-separated fields (seconds first when 6), got ${fields.length}.`);
  }

  let cron: Cron;

  try {
    cron = new Cron(trimmed, {mode: '5-or-6-parts', timezone: timeZone.name});
  } catch (error) {
    const faulty = findFaultyField(fields);
    const reason = faulty === null ?
      `${(error instanceof Error ? error.message : String(error)).replace(/^CronPattern: /u, '')}` :
      `the ${CRON_FIELD_LABELS[faulty.field]} field \`${faulty.token}\` ${faulty.fault}.`;

    throw new InvalidCronExpressionError(trimmed, faulty?.field ?? null, reason, error);
  }

  // Without a year field an expression that matches once matches again, so one search from the
  // epoch tells whether it ever does (`0 0 30 2 *` does not).
  if (cron.nextRun(new Date(0)) === null) {
    throw new InvalidCronExpressionError(trimmed, null, 'it matches no date.');
  }

  return {expression: trimmed, kind: 'CRON', timezone: timeZone.name};
};

const parseInterval = (value: unknown, option: string): Schedule => {
  const every = typeof value === 'string' ? parseDuration(value) : value;

  if (typeof every !== 'number' || !Number.isSafeInteger(every) || every < 1) {
    throw new InvalidIntervalError(value, option);
  }

  return {every, kind: 'INTERVAL'};
};

const parseDate = (value: unknown, timeZone: TimeZone): Date => {
  let instant = Number.NaN;

  if (value instanceof Date || typeof value === 'number') {
    instant = value instanceof Date ? value.getTime() : value;
  } else if (typeof value === 'string' && OFFSET_SUFFIX.test(value)) {
    instant = Date.parse(value);
  } else if (typeof value === 'string') {
    const match = LOCAL_DATE_TIME.exec(value);

    if (match !== null) {
      const field = (index: number): number => Number(match[index] ?? 0);
      const wallTime = {
        day: field(3),
        hour: field(4),
        millisecond: Number((match[7] ?? '').padEnd(3, '0')),
        minute: field(5),
        month: field(2),
        second: field(6),
        year: field(1),
      };
      const check = new Date(utcOfFields(wallTime));

      // 2026-02-30 or 25:00 would roll over into another date; reject them rather than guess.
      if (check.getUTCMonth() === wallTime.month - 1 && check.getUTCDate() === wallTime.day && check.getUTCHours() === wallTime.hour && check.getUTCMinutes() === wallTime.minute) {
        instant = timeZone.fromWallTime(wallTime);
      }
    }
  }

  if (!Number.isFinite(instant) || Number.isNaN(new Date(instant).getTime())) {
    throw new InvalidDateError(value);
  }

  return new Date(instant);
};

const parseRepeat = (value: unknown): RepeatPeriod | null => {
  if (value === undefined || value === null) {
    return null;
  }

  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidRepeatError('schedule.repeat', 'an object of units such as `{months: 1, days: 7}`', value);
  }

  const period: Record<RepeatUnit, number> = {days: 0, hours: 0, milliseconds: 0, minutes: 0, months: 0, seconds: 0, weeks: 0, years: 0};
  const givenAs: Partial<Record<RepeatUnit, string>> = {};

  for (const [key, amount] of Object.entries(value as RepeatInput)) {
    const unit = REPEAT_UNITS[key];

    if (unit === undefined || !Object.hasOwn(REPEAT_UNITS, key)) {
      throw new UnknownRepeatUnitError(key);
    }

    const previous = givenAs[unit];

    if (previous !== undefined) {
      throw new InvalidRepeatError(`schedule.repeat.${key}`, `absent when \`schedule.repeat.${previous}\` is given (both are ${unit})`, amount);
    }

    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 0) {
      throw new InvalidRepeatError(`schedule.repeat.${key}`, 'an integer >= 0', amount);
    }

    givenAs[unit] = key;
    period[unit] = amount;
  }

  if (Object.values(period).every((amount) => amount === 0)) {
    throw new InvalidRepeatError('schedule.repeat', 'a period with at least one unit > 0', value);
  }

  return period;
};

const parseOneShot = (value: Readonly<Record<string, unknown>>, timeZone: TimeZone): Schedule => {
  return {
    date: parseDate(value.date, timeZone),
    kind: 'ONE_SHOT',
    repeat: parseRepeat(value.repeat),
    timezone: timeZone.name,
  };
};

/**
 * Validates a task's `schedule` and normalises it into a `Schedule`:
 *
 * - a string with spaces (or starting with `@`, such as `@daily`) is a cron expression of 5 fields,
 *   or 6 with seconds first, checked by croner (`INVALID_CRON_EXPRESSION` names the field at fault);
 * - any other string is a duration (`15m`, `1h30m`, `500ms`), as is `{every}` (milliseconds or a
 *   duration): an interval (`INVALID_INTERVAL`);
 * - `{date, repeat?}` is a one-shot (`INVALID_DATE`, `UNKNOWN_REPEAT_UNIT`, `INVALID_REPEAT`).
 *
 * Pure: no timers, no clock.
 */
export const parseSchedule = (configuration: ParseScheduleConfiguration): Schedule => {
  const {schedule} = configuration;
  const timeZone = createTimeZone(configuration.timezone ?? 'UTC');

  if (typeof schedule === 'string') {
    return /\s/u.test(schedule.trim()) || schedule.trim().startsWith('@') ? parseCron(schedule, timeZone) : parseInterval(schedule, 'schedule');
  }

  if (typeof schedule !== 'object' || schedule === null || Array.isArray(schedule)) {
    throw new InvalidScheduleError(schedule);
  }

  const record = schedule as Readonly<Record<string, unknown>>;
  const allowed = 'every' in record ? ['every'] : ['date', 'repeat'];
  const unexpected = Object.keys(record).find((key) => !allowed.includes(key));

  if (unexpected !== undefined || (!('every' in record) && !('date' in record))) {
    throw new InvalidScheduleError(schedule, unexpected === undefined ? 'schedule' : `schedule.${unexpected}`);
  }

  return 'every' in record ? parseInterval(record.every, 'schedule.every') : parseOneShot(record, timeZone);
};

