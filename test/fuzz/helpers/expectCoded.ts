import {PlantonError} from '../../../src/planton/errors.ts';
import {HostileValueError} from './arbitraries.ts';

/** What a call under fuzz did: returned a value, threw a PlantonError with this code, or let the input's own exception through. */
export type Outcome<T> = {readonly accepted: true; readonly value: T} | {readonly accepted: false; readonly code: string};

/** The code an outcome gets when the input's own code (a getter, a `toJSON`) threw and the call let that through. */
export const HOSTILE_VALUE_THREW = 'HOSTILE_VALUE_THREW';

/** Longest a single synchronous call under fuzz may take (generous: a loaded 2-core machine). */
export const SLOW_CALL = 2_000;

const describeThrown = (error: unknown): string => {
  if (error instanceof Error) {
    return `${error.constructor.name}: ${error.message.slice(0, 300)}`;
  }

  return typeof error;
};

const toOutcome = <T>(error: unknown, codes: ReadonlySet<string>): Outcome<T> => {
  if (error instanceof HostileValueError) {
    return {accepted: false, code: HOSTILE_VALUE_THREW};
  }

  if (!(error instanceof PlantonError)) {
    throw new Error(`Expected a PlantonError, got ${describeThrown(error)}`, {cause: error});
  }

  if (!codes.has(error.code)) {
    throw new Error(`Expected one of the codes ${[...codes].join(', ')}, got ${error.code}: ${error.message.slice(0, 300)}`, {cause: error});
  }

  return {accepted: false, code: error.code};
};

/**
 * Runs `call`: its value, or the code of the PlantonError it threw when that code is one of
 * `codes` (or HOSTILE_VALUE_THREW when the input's own getter or `toJSON` threw and the call let
 * that exception through). Any other throw (a TypeError, a RangeError, a driver's error, another code) fails, as
 * does a call slower than `SLOW_CALL`.
 */
export const expectCoded = <T>(codes: ReadonlySet<string>, call: () => T): Outcome<T> => {
  const started = performance.now();
  let outcome: Outcome<T>;

  try {
    outcome = {accepted: true, value: call()};
  } catch (error) {
    outcome = toOutcome<T>(error, codes);
  }

  const elapsed = performance.now() - started;

  if (elapsed > SLOW_CALL) {
    throw new Error(`Expected the call to end within ${SLOW_CALL} ms, it took ${Math.round(elapsed)} ms.`);
  }

  return outcome;
};

/** `expectCoded` for an async call: a synchronous throw and a rejection are judged alike. */
export const expectCodedAsync = async <T>(codes: ReadonlySet<string>, call: () => Promise<T>): Promise<Outcome<T>> => {
  try {
    return {accepted: true, value: await call()};
  } catch (error) {
    return toOutcome<T>(error, codes);
  }
};
