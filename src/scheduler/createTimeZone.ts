import {InvalidTimezoneError} from './errors.ts';

/** A wall-clock reading: what a clock on the wall of `timezone` shows. `month` is 1–12. */
export type WallTime = {
  readonly day: number;
  readonly hour: number;
  readonly millisecond: number;
  readonly minute: number;
  readonly month: number;
  readonly second: number;
  readonly year: number;
};

export type TimeZone = {
  /** The wall-clock reading of `instant` (milliseconds since the epoch). */
  readonly toWallTime: (instant: number) => WallTime;
  /**
   * The instant at which the wall clock reads `wallTime`. Like Temporal's `disambiguation: 'compatible'`:
   * a reading that happens twice (clocks go back) is its earlier instant; a reading that never happens
   * (clocks go forward) is moved forward by the length of the gap (02:30 in a 02:00→03:00 gap is 03:30).
   */
  readonly fromWallTime: (wallTime: WallTime) => number;
  readonly name: string;
};

const HOUR = 3_600_000;

/** The last instant a Date holds; Intl refuses to format one past it. */
const LAST_INSTANT = 8.64e15;

/** Milliseconds since the epoch of `wallTime` read as UTC; fields may overflow (day 32 is next month's 1st). */
const utcOf = (wallTime: WallTime): number => {
  const date = new Date(0);
  date.setUTCFullYear(wallTime.year, wallTime.month - 1, wallTime.day);
  date.setUTCHours(wallTime.hour, wallTime.minute, wallTime.second, wallTime.millisecond);
  return date.getTime();
};

/**
 * Converts between instants and wall-clock readings in one IANA time zone (or UTC offset such as
 * `+02:00`), through `Intl`. Throws `INVALID_TIMEZONE` for a zone `Intl` does not know.
 */
export const createTimeZone = (name: string): TimeZone => {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InvalidTimezoneError(name);
  }

  let format: Intl.DateTimeFormat;

  try {
    format = new Intl.DateTimeFormat('en-US', {
      day: 'numeric',
      era: 'short',
      hour: 'numeric',
      hourCycle: 'h23',
      minute: 'numeric',
      month: 'numeric',
      second: 'numeric',
      timeZone: name,
      year: 'numeric',
    });
  } catch (error) {
    throw new InvalidTimezoneError(name, error);
  }

  const toWallTime = (instant: number): WallTime => {
    const fields: Record<string, number> = {};
    let bc = false;

    for (const part of format.formatToParts(instant)) {
      if (part.type === 'era') {
        bc = part.value === 'BC';
      } else if (part.type !== 'literal') {
        fields[part.type] = Number(part.value);
      }
    }

    const year = fields.year ?? Number.NaN;

    return {
      day: fields.day ?? Number.NaN,
      hour: fields.hour ?? Number.NaN,
      millisecond: ((instant % 1_000) + 1_000) % 1_000,
      minute: fields.minute ?? Number.NaN,
      month: fields.month ?? Number.NaN,
      second: fields.second ?? Number.NaN,
      year: bc ? 1 - year : year,
    };
  };

  /** The zone's offset at `instant`; past either end of time, the offset at that end (no zone changes there). */
  const offsetAt = (instant: number): number => {
    const inRange = Math.min(Math.max(instant, -LAST_INSTANT), LAST_INSTANT);

    return utcOf(toWallTime(inRange)) - inRange;
  };

  const fromWallTime = (wallTime: WallTime): number => {
    const local = utcOf(wallTime);

    // A reading past the end of time (year 275760 and later): no instant, as for an invalid Date.
    if (Number.isNaN(local)) {
      return Number.NaN;
    }
    // Zones change offset at most once within a day around any reading, so the offsets half a day
    // before and after are the only candidates.
    const offsetBefore = offsetAt(local - 12 * HOUR);
    const offsetAfter = offsetAt(local + 12 * HOUR);
    const withOffsetBefore = local - offsetBefore;
    const withOffsetAfter = local - offsetAfter;
    const candidates = [withOffsetBefore, withOffsetAfter].filter((instant) => offsetAt(instant) === local - instant);

    if (candidates.length > 0) {
      return Math.min(...candidates);
    }

    // In a gap: read the wall time with the offset in force before the gap, which lands after it.
    return withOffsetBefore;
  };

  return {fromWallTime, name, toWallTime};
};
