import {InvalidMisfirePolicyError, InvalidTimeoutError} from './errors.ts';
import {parseRetryPolicy} from './parseRetryPolicy.ts';
import {parseSchedule} from './parseSchedule.ts';
import type {MisfirePolicy, RetryPolicy, RetryPolicyInput, Schedule, ScheduleInput} from './scheduleTypes.ts';

/** The timing part of what `scheduler.schedule()` takes (name, concurrency and the like are checked elsewhere). */
export type ParseScheduledTaskConfiguration = {
  /**
   * What to do with slots missed while no scheduler ran: `'once'`, `'all'` or `'skip'` (see `listDueSlots`).
   * @default 'once'
   */
  readonly misfire?: MisfirePolicy;
  /**
   * How often a failed job is tried again.
   * @default one-shot: 4 attempts with exponential backoff from 1 s; cron and interval: 1 attempt
   */
  readonly retry?: RetryPolicyInput;
  readonly schedule: ScheduleInput;
  /** Milliseconds after which a running job fails with `job_timed_out`; a finite number > 0. */
  readonly timeout: number;
  /**
   * IANA time zone (or UTC offset) of cron expressions, calendar repeats and offset-less dates.
   * @default 'UTC'
   */
  readonly timezone?: string;
};

export type ScheduledTask = {
  readonly misfire: MisfirePolicy;
  readonly retry: RetryPolicy;
  readonly schedule: Schedule;
  readonly timeout: number;
};

const POLICIES: readonly unknown[] = ['all', 'once', 'skip'];

/**
 * Validates the timing of a scheduled task eagerly and applies its defaults, so `schedule()` throws
 * a coded error before anything is stored: `INVALID_TIMEZONE`, the codes of `parseSchedule`,
 * `INVALID_TIMEOUT`, `INVALID_MISFIRE_POLICY`, `INVALID_RETRY_POLICY`.
 */
export const parseScheduledTask = (configuration: ParseScheduledTaskConfiguration): ScheduledTask => {
  const schedule = parseSchedule({schedule: configuration.schedule, timezone: configuration.timezone});
  const {timeout} = configuration;
  const misfire = configuration.misfire ?? 'once';

  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw new InvalidTimeoutError(timeout);
  }

  if (!POLICIES.includes(misfire)) {
    throw new InvalidMisfirePolicyError('misfire', '`\'once\'`, `\'all\'` or `\'skip\'`', misfire);
  }

  return {misfire, retry: parseRetryPolicy({retry: configuration.retry, schedule}), schedule, timeout};
};
