import {InvalidDateError} from './errors.ts';

/**
 * Milliseconds since the epoch of a date as a user may write it: a valid Date, a finite number of
 * milliseconds, or a string `Date.parse` reads (ISO 8601). Throws `INVALID_DATE` naming `option` otherwise.
 */
export const parseDateInput = (value: unknown, option: string): number => {
  const instant = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN;

  if (!Number.isFinite(instant)) {
    throw new InvalidDateError(value, option);
  }

  return instant;
};
