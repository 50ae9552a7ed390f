import {InvalidArgumentError} from 'commander';
import {JOB_STATES} from '../../scheduler/jobStates.ts';

/** A job id: a positive integer (commander reports anything else as a usage error). */
export const parseJobId = (value: string): number => {
  if (!/^[1-9]\d{0,14}$/u.test(value)) {
    throw new InvalidArgumentError('Expected a job id, an integer >= 1.');
  }

  return Number(value);
};

/** An integer >= 1. */
export const parsePositiveInteger = (value: string): number => {
  if (!/^[1-9]\d{0,8}$/u.test(value)) {
    throw new InvalidArgumentError('Expected an integer >= 1.');
  }

  return Number(value);
};

/** A comma-separated list of job states, upper-cased (`done,error` → `['DONE', 'ERROR']`); repeated options add up. */
export const parseStates = (allowed: readonly string[] = JOB_STATES) => (value: string, previous: readonly string[] = []): string[] => {
  const states = value.split(',').map((state) => state.trim().toUpperCase()).filter((state) => state !== '');
  const unknown = states.filter((state) => !allowed.includes(state));

  if (states.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`Expected job states among ${allowed.join(', ')}.`);
  }

  return [...new Set([...previous, ...states])];
};
