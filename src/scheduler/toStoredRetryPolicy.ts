import {parseRetryPolicy} from './parseRetryPolicy.ts';
import type {RetryPolicy, Schedule, StoredRetryPolicy} from './scheduleTypes.ts';

/** A retry policy as a store keeps it: JSON only (no `Infinity`, a backoff function as `null`). */
export const toStoredRetryPolicy = (retry: RetryPolicy): StoredRetryPolicy => {
  const {backoff} = retry;

  if (typeof backoff === 'function') {
    return {attempts: retry.attempts, backoff: null};
  }

  if (backoff.type === 'fixed') {
    return {attempts: retry.attempts, backoff};
  }

  return {
    attempts: retry.attempts,
    backoff: {
      delay: backoff.delay,
      jitter: backoff.jitter,
      type: 'exponential',
      ...Number.isFinite(backoff.maxDelay) ? {maxDelay: backoff.maxDelay} : {},
    },
  };
};

/** The policy back from a store (a `null` backoff is the default exponential one). */
export const fromStoredRetryPolicy = (stored: StoredRetryPolicy, schedule: Schedule): RetryPolicy => {
  return parseRetryPolicy({retry: {attempts: stored.attempts, backoff: stored.backoff ?? undefined}, schedule});
};
