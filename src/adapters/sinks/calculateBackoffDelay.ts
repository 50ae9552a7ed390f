/**
 * The wait before retry number `attempt` (0 for the first retry): `initialDelay` doubled per attempt,
 * capped at `maxDelay`. Pure; no jitter (the retried calls go to the store, not to a shared broker).
 */
export const calculateBackoffDelay = ({attempt, initialDelay, maxDelay}: {readonly attempt: number; readonly initialDelay: number; readonly maxDelay: number}): number => {
  return Math.min(maxDelay, initialDelay * 2 ** Math.min(attempt, 30));
};
