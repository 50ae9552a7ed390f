import type {SchedulerConfiguration} from './createScheduler.ts';
import {InvalidSchedulerConfigurationError} from './errors.ts';

const isNonNegative = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/**
 * The scheduler's options with their defaults; throws INVALID_SCHEDULER_CONFIGURATION on the first
 * bad one, before anything is read from the store.
 */
export const validateSchedulerConfiguration = (configuration: SchedulerConfiguration) => {
  const {
    leaseGrace = 5_000,
    misfireThreshold = 60_000,
    noProcessorGrace = 1_000,
    noProcessorRetryDelays = [1_000, 10_000, 30_000],
    pollInterval = 5_000,
    syncInterval = 5_000,
    terminateTimeout = 5_000,
  } = configuration;

  if (typeof configuration.store !== 'object' || configuration.store === null) {
    throw new InvalidSchedulerConfigurationError('store', 'a scheduler store', configuration.store);
  }

  for (const [option, value] of Object.entries({leaseGrace, misfireThreshold, noProcessorGrace, syncInterval, terminateTimeout})) {
    if (!isNonNegative(value)) {
      throw new InvalidSchedulerConfigurationError(option, 'a finite number >= 0 (milliseconds)', value);
    }
  }

  if (!isNonNegative(pollInterval) || pollInterval < 1) {
    throw new InvalidSchedulerConfigurationError('pollInterval', 'a finite number >= 1 (milliseconds)', pollInterval);
  }

  if (!Array.isArray(noProcessorRetryDelays) || !noProcessorRetryDelays.every(isNonNegative)) {
    throw new InvalidSchedulerConfigurationError('noProcessorRetryDelays', 'an array of finite numbers >= 0 (milliseconds)', noProcessorRetryDelays);
  }

  return {leaseGrace, misfireThreshold, noProcessorGrace, noProcessorRetryDelays, pollInterval, syncInterval, terminateTimeout};
};
