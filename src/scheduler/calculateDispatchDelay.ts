import {CLAIM_AHEAD, MATERIALIZE_WHEN} from './dispatchHorizons.ts';
import {earliest} from './earliest.ts';
import type {WakeTimes} from './storeTypes.ts';

export type CalculateDispatchDelayConfiguration = {
  /** A claim was requested (or the last batch was full): the next round comes at once. */
  readonly claimRequested: boolean;
  /** Rounds failed in a row since the last that succeeded. */
  readonly failures: number;
  /** When the earliest no-processor grace the last round left running ends. */
  readonly graceEndsAt: number | null;
  readonly lastFullRoundAt: number;
  readonly leaseGrace: number;
  /** Planning of due slots was requested: the next round comes at once. */
  readonly materializeRequested: boolean;
  readonly noProcessorGrace: number;
  readonly now: number;
  /** A planning runs beside the rounds: its end wakes the dispatcher, not `wake.nextRunAt`. */
  readonly planning: boolean;
  readonly pollInterval: number;
  /** What the last round read from the store. */
  readonly wake: WakeTimes;
};

/**
 * How long (milliseconds) the dispatcher sleeps before its next round: a backoff after failed rounds
 * (100 ms doubled per failure, at most `pollInterval`), none when work was requested, else until the
 * earliest of the next slot to plan, the next job to claim, the end of a no-processor grace or of a
 * lease, and the next full round, never longer than `pollInterval`.
 */
export const calculateDispatchDelay = ({
  claimRequested,
  failures,
  graceEndsAt,
  lastFullRoundAt,
  leaseGrace,
  materializeRequested,
  noProcessorGrace,
  now,
  planning,
  pollInterval,
  wake,
}: CalculateDispatchDelayConfiguration): number => {
  if (failures > 0) {
    return Math.min(pollInterval, 100 * 2 ** failures);
  }

  if (materializeRequested || claimRequested) {
    return 0;
  }

  const wakeAt = earliest(
    wake.nextRunAt === null || planning ? null : wake.nextRunAt - MATERIALIZE_WHEN,
    wake.claimAt === null ? null : wake.claimAt - CLAIM_AHEAD,
    wake.unprocessedRunAt === null ? null : wake.unprocessedRunAt + noProcessorGrace,
    wake.leaseUntil === null ? null : wake.leaseUntil + leaseGrace,
    graceEndsAt,
    lastFullRoundAt + pollInterval,
  );

  return Math.max(0, Math.min(wakeAt, now + pollInterval) - now);
};
