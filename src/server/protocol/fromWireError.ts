/** Properties a wire error may not set on the Error built from it. */
const RESERVED = new Set(['__proto__', 'constructor', 'message', 'name', 'prototype', 'stack']);

/**
 * The error a remote processor failed its job with, as the `fail` message carries it (serialize-error's
 * `{name, message, code?, stack?, …}`), turned back into an `Error` whose own properties are the
 * client's, so that the job's stored error reads as it would in process. Any other JSON value (a
 * processor may fail with a string) is returned as it is. Keys such as `__proto__` are dropped, never
 * assigned.
 */
export const fromWireError = (value: unknown): unknown => {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as {readonly message?: unknown}).message !== 'string') {
    return value;
  }

  const {message, name, stack} = value as {readonly message: string; readonly name?: unknown; readonly stack?: unknown};
  const error = new Error(message);

  error.name = typeof name === 'string' ? name : 'Error';
  error.stack = typeof stack === 'string' ? stack : `${error.name}: ${message}`;

  for (const [key, property] of Object.entries(value)) {
    if (!RESERVED.has(key)) {
      Object.defineProperty(error, key, {configurable: true, enumerable: true, value: property, writable: true});
    }
  }

  return error;
};
