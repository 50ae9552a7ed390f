import type {SQLInputValue} from 'node:sqlite';
import type {TaskInstruction} from '../../planton/types.ts';

/**
 * What an instruction is bound as: integers as SQLite integers (a JS number would be bound as a
 * real, 42.0), so that they compare and print as the user's integer ids; other numbers and strings
 * as they are.
 */
export const bindInstruction = (instruction: TaskInstruction): SQLInputValue => {
  return typeof instruction === 'number' && Number.isSafeInteger(instruction) ? BigInt(instruction) : instruction;
};

/**
 * Accepts what a claim returns: strings of well-formed Unicode (a lone surrogate would be stored as
 * U+FFFD, making two instructions one), finite numbers, and bigints that fit a number.
 */
export const toSqliteInstruction = (value: unknown): TaskInstruction | undefined => {
  if ((typeof value === 'string' && value.isWellFormed()) || (typeof value === 'number' && Number.isFinite(value))) {
    return value;
  }

  if (typeof value === 'bigint' && Number.isSafeInteger(Number(value))) {
    return Number(value);
  }

  return undefined;
};
