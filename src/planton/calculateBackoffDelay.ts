/**
 * The wait before retry number `attempt` (0 for the first retry): `initialDelay` doubled per attempt,
 * capped at `maxDelay`. Pure; no jitter (the retried calls go to the store, not to a shared broker).
 */
export const calculateBackoffDelay = ({attempt, initialDelay, maxDelay}: {readonly attempt: number; readonly initialDelay: number; readonly maxDelay: number}): number => {
  return Math.min(maxDelay, initialDelay * 2 ** Math.min(attempt, 30));
};

/**
 * The backoff of a store write retried until the store answers (the sink workers' `storeRetry`
 * default, the processor's outcome writes): 100 ms, doubling up to 5 s.
 */
export const STORE_RETRY_BACKOFF = {initialDelay: 100, maxDelay: 5_000} as const;
