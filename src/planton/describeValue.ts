/**
 * Renders a rejected value for an error message: strings quoted, functions named, dates as ISO
 * strings, objects as JSON, the rest as-is. Shared by every layer's configuration errors.
 */
export const describeValue = (value: unknown): string => {
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }

  if (typeof value === 'function') {
    return 'a function';
  }

  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  }

  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return 'an object';
    }
  }

  return String(value);
};
