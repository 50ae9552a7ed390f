import type {EndedJobState, JobState} from './recordTypes.ts';

/** Every job state, in alphabetical order. */
export const JOB_STATES: readonly JobState[] = ['CANCELED', 'DONE', 'ERROR', 'RUNNING', 'SCHEDULED', 'WAITING'];

/** The states a job ends in. */
export const ENDED_JOB_STATES: readonly EndedJobState[] = ['CANCELED', 'DONE', 'ERROR'];
