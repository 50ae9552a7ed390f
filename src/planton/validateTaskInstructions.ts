import type {TaskInstruction} from './types.ts';

export const isTaskInstruction = (value: unknown): value is TaskInstruction => {
  return typeof value === 'string' || typeof value === 'number' && Number.isFinite(value);
};

/**
 * Checks what `schedule` returned: an array of at most `limit` members, each a string or a finite
 * number. Pure. Returns `null` when valid, else the reason. `limit` is `Infinity` for
 * `getActiveTaskInstructions`. It runs on every round, so it allocates nothing when valid.
 */
export const validateTaskInstructions = (value: unknown, limit: number): string | null => {
  if (!Array.isArray(value)) {
    return `Expected an array of instructions, got \`${value === null ? 'null' : typeof value}\`.`;
  }

  if (value.length > limit) {
    return `Expected at most ${limit} instructions (the limit), got ${value.length}.`;
  }

  for (let index = 0; index < value.length; index++) {
    const member: unknown = value[index];

    if (!isTaskInstruction(member)) {
      return `Expected every instruction to be a string or a finite number, got \`${member === null ? 'null' : typeof member === 'number' ? String(member) : typeof member}\` at index ${index}.`;
    }
  }

  return null;
};

/** Pure: is `limit` an integer >= 0? */
export const isValidLimit = (limit: unknown): limit is number => {
  return Number.isInteger(limit) && (limit as number) >= 0;
};

/** Pure: is `delay` a finite number >= 0? */
export const isValidDelay = (delay: unknown): delay is number => {
  return typeof delay === 'number' && Number.isFinite(delay) && delay >= 0;
};
