import {InvalidDateError} from './errors.ts';

/** Milliseconds since the epoch of `date`; throws `INVALID_DATE` naming `option` unless it is a valid Date. */
export const toInstant = (date: unknown, option: string): number => {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new InvalidDateError(date, option);
  }

  return date.getTime();
};
