import {serializeError} from 'serialize-error';
import {calculateRetryDelay} from './calculateRetryDelay.ts';
import type {JobOutcome, RetryPolicy} from './types.ts';

/** How deep a failed job's error is kept (its properties, `cause` chain included); deeper parts are stored as `{}`. */
export const SERIALIZED_ERROR_DEPTH = 50;

export type DecideJobOutcomeConfiguration = {
  /** The attempt that just failed, from 1. */
  readonly attempt: number;
  readonly error: unknown;
  readonly now: number;
  /** @default Math.random */
  readonly random?: () => number;
  readonly retry: RetryPolicy;
};

/** After a failed attempt: WAITING for the next one (`retry` allows it) or ERROR. Pure. */
export const decideJobOutcome = (configuration: DecideJobOutcomeConfiguration): JobOutcome => {
  const {attempt, now, retry} = configuration;
  // Bounded: an error may hold a value nested deeper than serialize-error's recursion can walk.
  const error = serializeError(configuration.error, {maxDepth: SERIALIZED_ERROR_DEPTH}) as Readonly<Record<string, unknown>>;
  let delay: number | null;

  try {
    delay = calculateRetryDelay({attempt, random: configuration.random, retry});
  } catch {
    // A backoff function that returns garbage does not retry.
    delay = null;
  }

  return delay === null ? {error, state: 'ERROR'} : {error, runAt: now + delay, state: 'WAITING'};
};
