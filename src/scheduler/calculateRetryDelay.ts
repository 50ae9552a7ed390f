import {InvalidRetryDelayError, InvalidRetryPolicyError} from './errors.ts';
import {LAST_INSTANT} from './toRunDate.ts';
import type {RetryPolicy} from './scheduleTypes.ts';

export type CalculateRetryDelayConfiguration = {
  /** The number of the attempt that just failed, from 1. */
  readonly attempt: number;
  /**
   * Returns a number in [0, 1); drives the jitter of exponential backoff.
   * @default Math.random
   */
  readonly random?: () => number;
  /** A policy from `parseRetryPolicy`. */
  readonly retry: RetryPolicy;
};

/**
 * Milliseconds to wait before the attempt after `attempt`, or `null` when `attempt` was the last one.
 * Fixed: `delay`. Exponential: `delay × 2^(attempt − 1)`, capped at `maxDelay` and at 8.64e15 ms
 * (the span of a Date: past it doubling reaches Infinity after ~1,000 attempts), then reduced by a
 * random fraction of at most `jitter` (BullMQ's rule), rounded to a whole millisecond. A function:
 * what it returns for `attempt` (`INVALID_RETRY_DELAY` unless a finite number >= 0).
 */
export const calculateRetryDelay = (configuration: CalculateRetryDelayConfiguration): number | null => {
  const {attempt, retry} = configuration;

  if (!Number.isSafeInteger(attempt) || attempt < 1) {
    throw new InvalidRetryPolicyError('attempt', 'an integer >= 1', attempt);
  }

  if (attempt >= retry.attempts) {
    return null;
  }

  const {backoff} = retry;

  if (typeof backoff === 'function') {
    const delay: unknown = backoff(attempt);

    if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0) {
      throw new InvalidRetryDelayError(attempt, delay);
    }

    return delay;
  }

  if (backoff.type === 'fixed') {
    return backoff.delay;
  }

  // 0 × 2^1100 would be 0 × Infinity, NaN.
  const doubled = backoff.delay === 0 ? 0 : backoff.delay * 2 ** (attempt - 1);
  const capped = Math.min(doubled, backoff.maxDelay, LAST_INSTANT);
  const random = configuration.random ?? Math.random;

  return Math.round(capped * (1 - backoff.jitter * random()));
};
