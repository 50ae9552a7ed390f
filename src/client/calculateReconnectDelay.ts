import {calculateBackoffDelay} from '../planton/calculateBackoffDelay.ts';

export type CalculateReconnectDelayConfiguration = {
  /** Failed connections in a row before this one (0 for the first retry). */
  readonly attempt: number;
  readonly initialDelay: number;
  readonly maxDelay: number;
  /** A number in [0, 1). */
  readonly random: number;
};

/**
 * The wait before a worker connects again: the backoff (`initialDelay` doubled per failure, capped
 * at `maxDelay`) with equal jitter, drawn from [backoff / 2, backoff), so that workers cut off
 * together do not all come back in the same millisecond. Pure.
 */
export const calculateReconnectDelay = ({attempt, initialDelay, maxDelay, random}: CalculateReconnectDelayConfiguration): number => {
  const backoff = calculateBackoffDelay({attempt, initialDelay, maxDelay});

  return backoff / 2 + random * backoff / 2;
};
