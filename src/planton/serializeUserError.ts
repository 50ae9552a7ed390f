import {type ErrorObject, serializeError} from 'serialize-error';

/**
 * How deep a serialized error goes. A user's error may hold any value (a cause chain, a nested
 * instruction); serialize-error recurses into it, so without a bound a value nested deep enough
 * overflows the stack of the process that reports it.
 */
const MAX_DEPTH = 50;

/** An error (or any thrown value) as plain JSON, for logs and jsonb columns, never deeper than 50 levels. */
export const serializeUserError = (error: unknown): ErrorObject => {
  return serializeError(error, {maxDepth: MAX_DEPTH});
};
