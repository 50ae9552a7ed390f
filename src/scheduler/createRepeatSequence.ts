import {createTimeZone, type WallTime} from './createTimeZone.ts';
import type {RepeatPeriod} from './scheduleTypes.ts';

export type RepeatSequenceConfiguration = {
  /** The first slot (n = 0). */
  readonly date: Date;
  readonly repeat: RepeatPeriod;
  /** Where calendar units (years, months, weeks, days) are counted. */
  readonly timezone: string;
};

export type RepeatSequence = {
  /** Slot n, in milliseconds since the epoch. Strictly increasing in n. */
  readonly slotAt: (n: number) => number;
  /** The largest n whose slot is at or before `instant`, or -1 when even slot 0 is after it. */
  readonly lastIndexAtOrBefore: (instant: number) => number;
};

const DAY = 86_400_000;

const daysInMonth = (year: number, month: number): number => {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
};

/**
 * The slots of a one-shot with `repeat`: slot n is `date + n × repeat`, always counted from `date`
 * (never from the slot before), so month ends do not drift. As in Temporal's `ZonedDateTime.add`:
 * years and months are added to the wall-clock date in `timezone`, a day past the end of the month is
 * clamped to its last day (Jan 31 + 1 month = Feb 28 or 29; + 2 months = Mar 31), then weeks and days
 * are added to that date, the wall-clock time of `date` is kept (a time that does not exist that day
 * is moved forward by the DST gap, one that happens twice is its first occurrence), and finally hours,
 * minutes, seconds and milliseconds are added as exact time.
 */
export const createRepeatSequence = (configuration: RepeatSequenceConfiguration): RepeatSequence => {
  const {date, repeat} = configuration;
  const start = date.getTime();
  const exact = repeat.hours * 3_600_000 + repeat.minutes * 60_000 + repeat.seconds * 1_000 + repeat.milliseconds;
  const calendarMonths = repeat.years * 12 + repeat.months;
  const calendarDays = repeat.weeks * 7 + repeat.days;
  const hasCalendarPart = calendarMonths > 0 || calendarDays > 0;
  const timeZone = createTimeZone(configuration.timezone);
  const origin: WallTime = timeZone.toWallTime(start);
  const approximateLength = calendarMonths * 30.436_875 * DAY + calendarDays * DAY + exact;

  const slotAt = (n: number): number => {
    if (n === 0 || !hasCalendarPart) {
      return start + n * exact;
    }

    const monthIndex = origin.year * 12 + (origin.month - 1) + n * calendarMonths;
    const year = Math.floor(monthIndex / 12);
    const month = monthIndex - year * 12 + 1;
    const day = new Date(0);
    day.setUTCFullYear(year, month - 1, Math.min(origin.day, daysInMonth(year, month)) + n * calendarDays);
    const wallClock = timeZone.fromWallTime({
      ...origin,
      day: day.getUTCDate(),
      month: day.getUTCMonth() + 1,
      year: day.getUTCFullYear(),
    });

    return wallClock + n * exact;
  };

  const lastIndexAtOrBefore = (instant: number): number => {
    if (instant < start) {
      return -1;
    }

    let n = Math.floor((instant - start) / approximateLength);

    while (n > 0 && slotAt(n) > instant) {
      n--;
    }

    while (slotAt(n + 1) <= instant) {
      n++;
    }

    return n;
  };

  return {lastIndexAtOrBefore, slotAt};
};
