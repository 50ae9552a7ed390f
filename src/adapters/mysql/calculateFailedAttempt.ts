import {calculateBackoffDelay} from '../../planton/calculateBackoffDelay.ts';

export type FailedAttemptPolicy = {
  readonly maximumAttemptCount: number;
  readonly maximumRetryDelay: number;
  readonly retryDelay: number;
};

/**
 * An instruction's retry row after one more failed (or terminated) attempt, at `now`: attempt n is
 * followed by a wait of min(maximumRetryDelay, retryDelay × 2^(n − 1)) (calculateBackoffDelay), and
 * makes the instruction dead once n reaches maximumAttemptCount; an instruction already dead stays
 * dead since its first death. `dead` says whether it became dead with this attempt. Pure: the
 * PostgreSQL store's countFailedAttempts, in TypeScript.
 */
export const calculateFailedAttempt = ({now, policy, previous}: {
  readonly now: number;
  readonly policy: FailedAttemptPolicy;
  readonly previous: {readonly deadAt: number | null; readonly failedAttemptCount: number} | null;
}): {readonly attempts: number; readonly dead: boolean; readonly deadAt: number | null; readonly retryAt: number} => {
  const attempts = (previous?.failedAttemptCount ?? 0) + 1;
  const previousDeadAt = previous?.deadAt ?? null;
  const reachedLimit = attempts >= policy.maximumAttemptCount;

  return {
    attempts,
    dead: previousDeadAt === null && reachedLimit,
    deadAt: previousDeadAt ?? (reachedLimit ? now : null),
    retryAt: now + calculateBackoffDelay({attempt: attempts - 1, initialDelay: policy.retryDelay, maxDelay: policy.maximumRetryDelay}),
  };
};
