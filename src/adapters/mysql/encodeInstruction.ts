import {createHash} from 'node:crypto';
import type {TaskInstruction} from '../../planton/types.ts';

/**
 * SHA-256 of a string's UTF-8 bytes: what the tables' hash columns hold (`instruction_hash`,
 * `nid_hash`), the same as MySQL's UNHEX(SHA2(CONVERT(value USING utf8mb4), 256)).
 */
export const hashText = (text: string): Buffer => {
  return createHash('sha256').update(text, 'utf8').digest();
};

/**
 * An instruction as the tables hold it: `json` keeps its type (`42` or `"42"`), `hash` is the
 * SHA-256 of its text form (`42`), which a claim query's isActiveInstruction computes from a column.
 */
export const encodeInstruction = (instruction: TaskInstruction): {readonly hash: Buffer; readonly json: string} => {
  return {hash: hashText(String(instruction)), json: JSON.stringify(instruction)};
};

/** An instruction as read back from `instruction` (its JSON). */
export const decodeInstruction = (json: unknown): TaskInstruction => {
  return JSON.parse(String(json)) as TaskInstruction;
};

/**
 * Whether the tables can hold the instruction exactly: a string of well-formed Unicode (a lone
 * surrogate has no UTF-8 form, so its hash could not match the column's), or a finite number.
 */
export const isStorableInstruction = (instruction: unknown): instruction is TaskInstruction => {
  return (typeof instruction === 'string' && instruction.isWellFormed()) || (typeof instruction === 'number' && Number.isFinite(instruction));
};
