import {findUnstorableText} from '../planton/findUnstorableText.ts';

/** Longest task name, in UTF-8 bytes: well under what an entry of the PostgreSQL store's primary key holds. */
export const MAX_TASK_NAME_BYTES = 1_000;

/**
 * Not empty or blank, and storable in every store (no NUL, no lone surrogate, at most
 * MAX_TASK_NAME_BYTES): `schedule()` refuses any other name, so any other names no task, and the
 * store is not asked about it (PostgreSQL refuses a NUL even in a query's parameter).
 */
export const isStorableTaskName = (name: unknown): name is string => {
  return typeof name === 'string' && name.trim() !== '' && findUnstorableText(name, MAX_TASK_NAME_BYTES) === null;
};
