import {InvalidSchedulerArgumentError} from './errors.ts';
import {decodeJobCursor} from './jobCursor.ts';
import {JOB_STATES} from './jobStates.ts';
import {parseDateInput} from './parseDateInput.ts';
import type {JobState} from './recordTypes.ts';
import type {ListJobsQuery} from './schedulerApiTypes.ts';
import type {JobListInput} from './storeTypes.ts';

/** The page size of `listJobs` when none is given. */
export const DEFAULT_JOB_PAGE_SIZE = 50;

/** The largest page `listJobs` returns. */
export const MAX_JOB_PAGE_SIZE = 500;

/**
 * Validates what `listJobs` takes, eagerly: a bad field throws `INVALID_ARGUMENT` (or `INVALID_DATE`
 * for `from`/`to`) naming it. Returns the store's input, dates as milliseconds and the cursor decoded.
 */
export const parseListJobsQuery = (query: unknown): JobListInput => {
  if (query === undefined) {
    return {limit: DEFAULT_JOB_PAGE_SIZE};
  }

  if (typeof query !== 'object' || query === null || Array.isArray(query)) {
    throw new InvalidSchedulerArgumentError('query', 'an object `{taskName?, states?, from?, to?, limit?, after?}`', query);
  }

  const {after = null, from, limit = DEFAULT_JOB_PAGE_SIZE, states, taskName, to} = query as ListJobsQuery;

  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_JOB_PAGE_SIZE) {
    throw new InvalidSchedulerArgumentError('limit', `an integer from 1 to ${MAX_JOB_PAGE_SIZE}`, limit);
  }

  if (taskName !== undefined && typeof taskName !== 'string') {
    throw new InvalidSchedulerArgumentError('taskName', 'a string', taskName);
  }

  if (states !== undefined && (!Array.isArray(states) || !states.every((state) => (JOB_STATES as readonly unknown[]).includes(state)))) {
    throw new InvalidSchedulerArgumentError('states', `an array of job states (${JOB_STATES.join(', ')})`, states);
  }

  return {
    after: after === null ? null : decodeJobCursor(after),
    from: from === undefined ? null : parseDateInput(from, 'from'),
    limit,
    states: states === undefined ? null : states as readonly JobState[],
    taskName: taskName ?? null,
    to: to === undefined ? null : parseDateInput(to, 'to'),
  };
};
