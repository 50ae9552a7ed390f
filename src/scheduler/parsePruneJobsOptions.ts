import {InvalidSchedulerArgumentError} from './errors.ts';
import {ENDED_JOB_STATES} from './jobStates.ts';
import {parseDateInput} from './parseDateInput.ts';
import type {EndedJobState} from './recordTypes.ts';
import type {PruneJobsOptions, PruneProgress} from './schedulerApiTypes.ts';
import type {EndedJobsInput} from './storeTypes.ts';

/** The batch size of `pruneJobs` when none is given. */
export const DEFAULT_PRUNE_BATCH_SIZE = 1_000;

/** The largest batch `pruneJobs` takes. */
export const MAX_PRUNE_BATCH_SIZE = 10_000;

export type ParsedPruneJobsOptions = EndedJobsInput & {
  readonly batchSize: number;
  readonly onProgress: ((progress: PruneProgress) => void) | null;
};

/** Validates what `pruneJobs` takes, eagerly: a bad field throws `INVALID_ARGUMENT` (or `INVALID_DATE` for `olderThan`) naming it. */
export const parsePruneJobsOptions = (options: unknown): ParsedPruneJobsOptions => {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidSchedulerArgumentError('options', 'an object `{olderThan, states?, taskName?, batchSize?, onProgress?}`', options);
  }

  const {batchSize = DEFAULT_PRUNE_BATCH_SIZE, olderThan, onProgress, states = ENDED_JOB_STATES, taskName} = options as PruneJobsOptions;
  const endedBefore = parseDateInput(olderThan, 'olderThan');

  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > MAX_PRUNE_BATCH_SIZE) {
    throw new InvalidSchedulerArgumentError('batchSize', `an integer from 1 to ${MAX_PRUNE_BATCH_SIZE}`, batchSize);
  }

  if (!Array.isArray(states) || !states.every((state) => (ENDED_JOB_STATES as readonly unknown[]).includes(state))) {
    throw new InvalidSchedulerArgumentError('states', `an array of ended job states (${ENDED_JOB_STATES.join(', ')})`, states);
  }

  if (taskName !== undefined && typeof taskName !== 'string') {
    throw new InvalidSchedulerArgumentError('taskName', 'a string', taskName);
  }

  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new InvalidSchedulerArgumentError('onProgress', 'a function', onProgress);
  }

  return {batchSize, endedBefore, onProgress: onProgress ?? null, states: [...new Set(states as readonly EndedJobState[])], taskName: taskName ?? null};
};
