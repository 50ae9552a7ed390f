import {describeValue} from '../../planton/describeValue.ts';
import type {TaskInstruction} from '../../planton/types.ts';
import {InvalidStoreConfigurationError, UnexpectedClaimResultError} from '../errors.ts';

/** A finite number of milliseconds, above 0 (or at least 0 where `0` turns the loop off). */
export const validateInterval = (option: string, value: unknown, zeroAllowed: boolean) => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0)) {
    throw new InvalidStoreConfigurationError(option, `Expected \`${option}\` to be a finite number ${zeroAllowed ? '>= 0' : '> 0'}, got \`${describeValue(value)}\`.`);
  }

  return value;
};

/** Checks what a claim returned: an array of at most `limit` strings or finite numbers. */
export const validateClaimResult = <Instruction extends TaskInstruction>(taskName: string, limit: number, result: unknown): readonly Instruction[] => {
  if (!Array.isArray(result)) {
    throw new UnexpectedClaimResultError(taskName, limit, result, `returned ${describeValue(result)}, not an array`);
  }

  if (result.length > limit) {
    throw new UnexpectedClaimResultError(taskName, limit, result, `returned ${result.length} instructions, more than the limit of ${limit}`);
  }

  for (const value of result as unknown[]) {
    if (typeof value !== 'string' && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new UnexpectedClaimResultError(taskName, limit, result, `returned ${describeValue(value)}, which is not a string or a finite number`);
    }
  }

  return result as readonly Instruction[];
};
