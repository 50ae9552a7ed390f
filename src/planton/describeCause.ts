import {describeValue} from './describeValue.ts';

/**
 * The reason a thrown value gives, for an error message: an Error's message, a string as it is,
 * anything else as `describeValue` renders it. Never throws: `String()` does for an object without
 * a prototype (`Object.create(null)`) or whose `toString` throws, which would turn the report of a
 * user's failure into a TypeError of its own.
 */
export const describeCause = (cause: unknown): string => {
  if (cause instanceof Error) {
    return cause.message;
  }

  return typeof cause === 'string' ? cause : describeValue(cause);
};
