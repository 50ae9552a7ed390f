import {parseDuration} from '../scheduler/parseDuration.ts';

/**
 * What `DELETE /v1/jobs?olderThan=` means: a duration back from `now` (`30d`, `12h`, `1w2d`, as
 * `parseDuration` reads them) as milliseconds since the epoch, or anything else as is, for the
 * scheduler to read as a date (and refuse with `INVALID_DATE` naming `olderThan`). Pure.
 */
export const parseOlderThan = (value: string, now: number): number | string => {
  const duration = parseDuration(value);

  return duration === null ? value : now - duration;
};
