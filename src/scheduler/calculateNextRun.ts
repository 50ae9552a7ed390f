import {cronMemo} from './createCronMemo.ts';
import {createRepeatSequence} from './createRepeatSequence.ts';
import {toInstant} from './toInstant.ts';
import {isNearEndOfTime, toRunDate} from './toRunDate.ts';
import type {Schedule} from './scheduleTypes.ts';

export type CalculateNextRunConfiguration = {
  /** The next slot is strictly after this instant. */
  readonly after: Date;
  /**
   * The origin of an interval's slots: they are `anchor + n × every` for every integer n, so every
   * process computes the same ones. Ignored by cron and one-shot schedules.
   * @default new Date(0) (intervals aligned to the Unix epoch: `15m` fires at :00, :15, :30, :45 UTC)
   */
  readonly anchor?: Date;
  /** A schedule from `parseSchedule`. */
  readonly schedule: Schedule;
};

/**
 * The first slot of `schedule` strictly after `after`, or `null` when there is none (a one-shot
 * without `repeat` whose date has passed, or a slot past the last instant a Date holds,
 * +275760-09-13). A slot is a pure function of the schedule (and `anchor`),
 * never of when it is asked, so it can serve as the unique key of a job across processes.
 *
 * Cron slots come from croner, in the schedule's time zone, at whole seconds. At a DST change a
 * fixed-time expression (single second, minute and hour, such as `30 2 * * *`) runs once: when its
 * time does not exist (clocks go forward) it runs at the first instant after the gap (03:00 in
 * Europe/Berlin), when its time happens twice (clocks go back) at the first occurrence. Other
 * expressions (`0 * * * *`, `*\/30 2 * * *`) skip the times that do not exist and run at both
 * occurrences of a repeated time, which are distinct instants, hence distinct slots.
 */
export const calculateNextRun = (configuration: CalculateNextRunConfiguration): Date | null => {
  const {schedule} = configuration;
  const after = toInstant(configuration.after, 'after');

  if (schedule.kind === 'CRON') {
    try {
      return toRunDate(cronMemo.nextRun(schedule.expression, schedule.timezone, after));
    } catch (error) {
      if (isNearEndOfTime(after)) {
        return null;
      }

      throw error;
    }
  }

  if (schedule.kind === 'INTERVAL') {
    const anchor = configuration.anchor === undefined ? 0 : toInstant(configuration.anchor, 'anchor');
    return toRunDate(anchor + (Math.floor((after - anchor) / schedule.every) + 1) * schedule.every);
  }

  if (schedule.repeat === null) {
    return schedule.date.getTime() > after ? new Date(schedule.date) : null;
  }

  const sequence = createRepeatSequence({date: schedule.date, repeat: schedule.repeat, timezone: schedule.timezone});

  return toRunDate(sequence.slotAt(sequence.lastIndexAtOrBefore(after) + 1));
};
