import {InvalidRetryPolicyError} from './errors.ts';
import type {RetryPolicy, RetryPolicyInput, Schedule} from './scheduleTypes.ts';

export type ParseRetryPolicyConfiguration = {
  /**
   * The task's `retry`.
   * @default one-shot tasks (with or without `repeat`): `{attempts: 4, backoff: {type: 'exponential', delay: 1000}}`
   * (retried 3 times, after 1, 2 and 4 seconds); cron and interval tasks: `{attempts: 1}` (never retried: the next slot comes)
   */
  readonly retry?: RetryPolicyInput;
  /** The task's parsed schedule, whose kind picks the default. */
  readonly schedule: Schedule;
};

const DEFAULT_BACKOFF = {delay: 1_000, jitter: 0, maxDelay: Number.POSITIVE_INFINITY, type: 'exponential'} as const;

const isNonNegative = (value: unknown): value is number => {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
};

/** Validates a task's `retry` and applies the defaults. Throws `INVALID_RETRY_POLICY` naming the option at fault. */
export const parseRetryPolicy = (configuration: ParseRetryPolicyConfiguration): RetryPolicy => {
  const {retry, schedule} = configuration;

  if (retry === undefined) {
    return {attempts: schedule.kind === 'ONE_SHOT' ? 4 : 1, backoff: DEFAULT_BACKOFF};
  }

  if (typeof retry !== 'object' || retry === null) {
    throw new InvalidRetryPolicyError('retry', 'an object `{attempts, backoff?}`', retry);
  }

  const {attempts, backoff} = retry;

  if (typeof attempts !== 'number' || !Number.isSafeInteger(attempts) || attempts < 1) {
    throw new InvalidRetryPolicyError('retry.attempts', 'an integer >= 1 (all attempts, the first included)', attempts);
  }

  if (backoff === undefined) {
    return {attempts, backoff: DEFAULT_BACKOFF};
  }

  if (typeof backoff === 'function') {
    return {attempts, backoff};
  }

  if (typeof backoff !== 'object' || backoff === null || (backoff.type !== 'fixed' && backoff.type !== 'exponential')) {
    throw new InvalidRetryPolicyError('retry.backoff', '`{type: \'fixed\', delay}`, `{type: \'exponential\', delay, maxDelay?, jitter?}` or a function of the attempt number', backoff);
  }

  if (!isNonNegative(backoff.delay)) {
    throw new InvalidRetryPolicyError('retry.backoff.delay', 'a finite number >= 0 (milliseconds)', backoff.delay);
  }

  if (backoff.type === 'fixed') {
    return {attempts, backoff: {delay: backoff.delay, type: 'fixed'}};
  }

  const maxDelay = backoff.maxDelay ?? Number.POSITIVE_INFINITY;
  const jitter = backoff.jitter ?? 0;

  if (typeof maxDelay !== 'number' || Number.isNaN(maxDelay) || maxDelay < backoff.delay) {
    throw new InvalidRetryPolicyError('retry.backoff.maxDelay', `a number >= \`retry.backoff.delay\` (${backoff.delay})`, maxDelay);
  }

  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    throw new InvalidRetryPolicyError('retry.backoff.jitter', 'a number from 0 to 1', jitter);
  }

  return {attempts, backoff: {delay: backoff.delay, jitter, maxDelay, type: 'exponential'}};
};
