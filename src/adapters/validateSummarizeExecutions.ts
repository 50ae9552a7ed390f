import {describeValue} from '../planton/describeValue.ts';
import {InvalidStoreConfigurationError} from './errors.ts';
import type {SummarizeExecutionsConfiguration} from './types.ts';

/** The most terminations `reaper.recent` may list. */
const MAXIMUM_RECENT_LIMIT = 1_000;

/** `summarizeExecutions`' input checked (`INVALID_STORE_CONFIGURATION` otherwise), its default applied. */
export const validateSummarizeExecutions = (configuration: SummarizeExecutionsConfiguration): {readonly recentLimit: number; readonly since: number} => {
  const {recentLimit = 10, since} = configuration ?? {};

  if (!(since instanceof Date) || Number.isNaN(since.getTime())) {
    throw new InvalidStoreConfigurationError('since', `Expected \`since\` to be a valid Date, got \`${describeValue(since)}\`.`);
  }

  if (!Number.isSafeInteger(recentLimit) || recentLimit < 0 || recentLimit > MAXIMUM_RECENT_LIMIT) {
    throw new InvalidStoreConfigurationError('recentLimit', `Expected \`recentLimit\` to be an integer from 0 to ${MAXIMUM_RECENT_LIMIT}, got \`${describeValue(recentLimit)}\`.`);
  }

  return {recentLimit, since: since.getTime()};
};
