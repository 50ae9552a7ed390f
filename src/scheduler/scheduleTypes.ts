/** The long names of the units of a repeat period, largest first. */
export type RepeatUnit = 'days' | 'hours' | 'milliseconds' | 'minutes' | 'months' | 'seconds' | 'weeks' | 'years';

/** The shorthands of the repeat units: `y M w d h m s ms` (`M` is months, `m` minutes). */
export type RepeatShorthand = 'd' | 'h' | 'm' | 'M' | 'ms' | 's' | 'w' | 'y';

/**
 * What a user writes as `repeat`: any of the units, long or short (not both for one unit), each a
 * non-negative integer, at least one of them > 0. `{months: 1, days: 7}` = `{M: 1, d: 7}`.
 */
export type RepeatInput = Readonly<Partial<Record<RepeatShorthand | RepeatUnit, number>>>;

/** A repeat period with every unit spelled out (0 where not given). */
export type RepeatPeriod = Readonly<Record<RepeatUnit, number>>;

/** A date as a user may write it. Strings without an offset are read in the task's time zone. */
export type DateInput = Date | number | string;

/** What a user writes as a task's `schedule`. */
export type ScheduleInput =
  /** A cron expression (5 fields, or 6 with seconds first) or a duration such as `15m`. */
  | string
  | {readonly date: DateInput; readonly repeat?: RepeatInput}
  /** Milliseconds (an integer >= 1) or a duration string. */
  | {readonly every: number | string};

/** A cron schedule, evaluated by croner in `timezone`. */
export type CronSchedule = {
  readonly kind: 'CRON';
  /** The expression as given, trimmed. */
  readonly expression: string;
  readonly timezone: string;
};

/** Fixed-length slots `every` milliseconds apart (exact time: a `1d` interval is 24 hours, DST or not). */
export type IntervalSchedule = {
  readonly kind: 'INTERVAL';
  readonly every: number;
};

/** One slot at `date`; with `repeat`, then one at `date + n × repeat` for every n >= 1, calendar units counted in `timezone`. */
export type OneShotSchedule = {
  readonly date: Date;
  readonly kind: 'ONE_SHOT';
  readonly repeat: RepeatPeriod | null;
  readonly timezone: string;
};

/** A validated, normalised schedule: plain data, so it can be stored and compared. */
export type Schedule = CronSchedule | IntervalSchedule | OneShotSchedule;

/** What to do with the slots that fell due while no scheduler ran. */
export type MisfirePolicy = 'all' | 'once' | 'skip';

/** How long to wait before retry number `attempt` (the attempt that just failed, from 1). */
export type BackoffFunction = (attempt: number) => number;

export type FixedBackoff = {
  readonly type: 'fixed';
  /** Milliseconds between a failure and the next attempt. */
  readonly delay: number;
};

export type ExponentialBackoff = {
  readonly type: 'exponential';
  /** Milliseconds before the first retry; doubled for each one after. */
  readonly delay: number;
  /**
   * Largest delay before jitter, in milliseconds.
   * @default Infinity (no cap)
   */
  readonly maxDelay?: number;
  /**
   * Fraction (0–1) of the delay that is randomised away: the delay is drawn from
   * `[delay × (1 − jitter), delay]`. `1` is "full jitter".
   * @default 0
   */
  readonly jitter?: number;
};

export type Backoff = BackoffFunction | ExponentialBackoff | FixedBackoff;

/** What a user writes as `retry`. */
export type RetryPolicyInput = {
  /** How many attempts a job gets in all, the first included (an integer >= 1; 1 = never retried). */
  readonly attempts: number;
  /**
   * How long to wait between attempts.
   * @default {type: 'exponential', delay: 1000}
   */
  readonly backoff?: Backoff;
};

/** A validated retry policy, defaults applied. */
export type RetryPolicy = {
  readonly attempts: number;
  readonly backoff: BackoffFunction | Required<ExponentialBackoff> | FixedBackoff;
};

/** A retry policy as a store keeps it: a backoff function stays in the process that gave it (`null` here). */
export type StoredRetryPolicy = {
  readonly attempts: number;
  readonly backoff: ExponentialBackoff | FixedBackoff | null;
};
