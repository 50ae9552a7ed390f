/** The last instant a Date holds (+275760-09-13); -LAST_INSTANT is the first. A slot past either does not exist. */
export const LAST_INSTANT = 8.64e15;

/** Within this of either end of time, a wall clock reads past it in some zones, where croner's time-zone path throws. */
const EDGE = 86_400_000;

/** Is `instant` within a day of either end of time, where croner may throw rather than answer? */
export const isNearEndOfTime = (instant: number): boolean => {
  return Math.abs(instant) > LAST_INSTANT - EDGE;
};

/** A slot as a Date, or `null` when it lies past either end of the range a Date holds (a huge interval or repeat, or an instant near the end of time). */
export const toRunDate = (instant: number | null): Date | null => {
  return instant === null || !(Math.abs(instant) <= LAST_INSTANT) ? null : new Date(instant);
};
