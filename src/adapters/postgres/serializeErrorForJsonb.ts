import {serializeError} from 'serialize-error';
import type {SerializableValue} from 'slonik';

/** Nesting kept of an error (and of what its `toJSON` returns); deeper values are cut. */
const MAX_DEPTH = 50;

/** NUL, which jsonb refuses, and lone surrogates, whose escapes it refuses too, become U+FFFD. */
const sanitizeString = (value: string): string => {
  return value.toWellFormed().replaceAll('\u0000', '\uFFFD');
};

const sanitize = (value: unknown, depth: number, path: ReadonlySet<object>): SerializableValue => {
  if (typeof value === 'string') {
    return sanitizeString(value);
  }

  if (typeof value === 'bigint') {
    return `${value}n`;
  }

  if (typeof value !== 'object' || value === null) {
    // Numbers, booleans, null; JSON drops or nulls the rest as usual.
    return value as SerializableValue;
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
 * An error as the store keeps it in a jsonb column: serialized (serialize-error, at most 50 levels
 * deep), with every string, keys included, made storable. Without this, one error whose message
 * holds a NUL byte could not be written, and neither could the failures written with it.
 */
export const serializeErrorForJsonb = (error: unknown): SerializableValue => {
  return sanitize(serializeError(error, {maxDepth: MAX_DEPTH}), 0, new Set());
};
