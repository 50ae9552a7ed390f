import {serializeError} from 'serialize-error';
import {describeCause} from './describeCause.ts';

/** What `serializeUserError` gives: plain JSON. */
export type JsonValue = boolean | number | string | null | readonly JsonValue[] | {readonly [key: string]: JsonValue};

/** Nesting kept of an error (and of what its `toJSON` returns); deeper values are cut. */
const MAX_DEPTH = 50;

/** NUL, which jsonb refuses, and lone surrogates, whose escapes it refuses too, become U+FFFD. */
const sanitizeString = (value: string): string => {
  return value.toWellFormed().replaceAll('\u0000', '\uFFFD');
};

const sanitize = (value: unknown, depth: number, path: ReadonlySet<object>): JsonValue => {
  if (typeof value === 'string') {
    return sanitizeString(value);
  }

  if (typeof value === 'bigint') {
    return `${value}n`;
  }

  if (typeof value !== 'object' || value === null) {
    // Numbers, booleans, null; JSON drops or nulls the rest as usual.
    return value as JsonValue;
  }

  if (path.has(value)) {
    return '[Circular]';
  }

  if (depth >= MAX_DEPTH) {
    return null;
  }

  const inner = new Set(path).add(value);

  if (Array.isArray(value)) {
    return value.map((item) => sanitize(item, depth + 1, inner));
  }

  return Object.fromEntries(Object.entries(value).map(([key, item]) => [sanitizeString(key), sanitize(item, depth + 1, inner)]));
};

/**
 * A user's error (or any thrown value) as plain JSON, for logs and jsonb columns: serialized
 * (serialize-error, at most 50 levels deep, so a value nested deeper cannot overflow the stack),
 * with every string, keys included, made storable (NUL and lone surrogates, which PostgreSQL's jsonb
 * refuses, become U+FFFD; bigints become strings). Without this, one error whose message holds a NUL
 * byte could not be written, and neither could the outcomes written in the same statement. Never
 * throws: a value whose getter or `toJSON` throws while it is read becomes
 * `{name: 'UnserializableError', message}`, rather than turn the report of a failure into a failure
 * of the reporter (an unhandled rejection in the task loop, an outcome never recorded).
 */
export const serializeUserError = (error: unknown): Readonly<Record<string, JsonValue>> => {
  try {
    return sanitize(serializeError(error, {maxDepth: MAX_DEPTH}), 0, new Set()) as Readonly<Record<string, JsonValue>>;
  } catch (failure) {
    return {message: sanitizeString(`The thrown value could not be serialized: ${describeCause(failure)}`), name: 'UnserializableError'};
  }
};
