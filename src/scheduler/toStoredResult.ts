import {findNonJsonValue, type NonJsonValue} from './findNonJsonValue.ts';

/** What `toStoredResult` makes of a job's result: the value to store, and what JSON could not hold (`null` when it held all). */
export type StoredResult = {
  readonly fault: NonJsonValue | null;
  readonly value: unknown;
};

/**
 * The result of a DONE job as every store keeps it: the JSON value JSON.stringify makes of it (a
 * Date becomes its ISO string, `undefined` members go, `undefined` itself is `null`), so a job read
 * back, from any store, has what a remote worker would have sent. A value JSON cannot hold (a bigint,
 * a cycle, a Map, a string with NUL, see `findNonJsonValue`) is stored as `null`, with the fault. Pure.
 */
export const toStoredResult = (result: unknown): StoredResult => {
  if (result === undefined || result === null) {
    return {fault: null, value: null};
  }

  const fault = findNonJsonValue(result, 'result');

  if (fault !== null) {
    return {fault, value: null};
  }

  const text = JSON.stringify(result) as string | undefined;

  return {fault: null, value: text === undefined ? null : JSON.parse(text) as unknown};
};
