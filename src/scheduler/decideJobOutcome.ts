import {serializeUserError} from '../planton/serializeUserError.ts';
import {calculateRetryDelay} from './calculateRetryDelay.ts';
import {LAST_INSTANT} from './toRunDate.ts';
import type {JobOutcome} from './recordTypes.ts';
import type {RetryPolicy} from './scheduleTypes.ts';

export type DecideJobOutcomeConfiguration = {
  /** The attempt that just failed, from 1. */
  readonly attempt: number;
  readonly error: unknown;
  readonly now: number;
  /** @default Math.random */
  readonly random?: () => number;
  readonly retry: RetryPolicy;
};

/** After a failed attempt: WAITING for the next one (`retry` allows it; at the latest at the last instant a Date holds) or ERROR. Pure. */
export const decideJobOutcome = (configuration: DecideJobOutcomeConfiguration): JobOutcome => {
  const {attempt, now, retry} = configuration;
  // Bounded and storable: an error may hold a value nested past the stack, or a NUL jsonb refuses.
  const error = serializeUserError(configuration.error) as Readonly<Record<string, unknown>>;
  let delay: number | null;

  try {
    delay = calculateRetryDelay({attempt, random: configuration.random, retry});
  } catch {
    // A backoff function that returns garbage does not retry.
    delay = null;
  }

  // A delay that reaches past the last instant a Date holds (a backoff of 1e300 ms) waits until then.
  return delay === null ? {error, state: 'ERROR'} : {error, runAt: Math.min(now + delay, LAST_INSTANT), state: 'WAITING'};
};
