import {cronMemo} from './createCronMemo.ts';
import {createRepeatSequence} from './createRepeatSequence.ts';
import {toInstant} from './toInstant.ts';
import {isNearEndOfTime, toRunDate} from './toRunDate.ts';
import type {Schedule} from './scheduleTypes.ts';

export type CalculatePreviousRunConfiguration = {
  /** The slot returned is at or before this instant. */
  readonly atOrBefore: Date;
  /**
   * The origin of an interval's slots; see `calculateNextRun`.
   * @default new Date(0)
   */
  readonly anchor?: Date;
  /** A schedule from `parseSchedule`. */
  readonly schedule: Schedule;
};

/**
 * The last slot of `schedule` at or before `atOrBefore`, or `null` when there is none (a one-shot
 * whose date is still ahead, or a slot before the first instant a Date holds). The mirror of `calculateNextRun`, with the same slots.
 */
export const calculatePreviousRun = (configuration: CalculatePreviousRunConfiguration): Date | null => {
  const {schedule} = configuration;
  const atOrBefore = toInstant(configuration.atOrBefore, 'atOrBefore');

  if (schedule.kind === 'CRON') {
    // croner's previousRuns is strictly before its reference (whole seconds); one millisecond
    // later makes it "at or before".
    try {
      return toRunDate(cronMemo.previousRun(schedule.expression, schedule.timezone, atOrBefore + 1));
    } catch (error) {
      if (isNearEndOfTime(atOrBefore)) {
        return null;
      }

      throw error;
    }
  }

  if (schedule.kind === 'INTERVAL') {
    const anchor = configuration.anchor === undefined ? 0 : toInstant(configuration.anchor, 'anchor');
    return toRunDate(anchor + Math.floor((atOrBefore - anchor) / schedule.every) * schedule.every);
  }

  if (schedule.repeat === null) {
    return schedule.date.getTime() <= atOrBefore ? new Date(schedule.date) : null;
  }

  const sequence = createRepeatSequence({date: schedule.date, repeat: schedule.repeat, timezone: schedule.timezone});
  const index = sequence.lastIndexAtOrBefore(atOrBefore);

  return index < 0 ? null : toRunDate(sequence.slotAt(index));
};
