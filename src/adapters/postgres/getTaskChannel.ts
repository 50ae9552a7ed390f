import {createHash} from 'node:crypto';

/**
 * The LISTEN/NOTIFY channel of a task in a schema: `planton_` and 32 hex digits of
 * sha256(schema, task name). Any task name (quotes, semicolons, unicode, any length) gives a short,
 * lower-case identifier that needs no quoting (PGlite's `listen` does not quote), and tasks of the
 * same name in two schemas do not wake each other. Pure.
 */
export const getTaskChannel = (schema: string, taskName: string): string => {
  // JSON of the pair, not a separator: no (schema, task name) pair can collide with another.
  const digest = createHash('sha256').update(JSON.stringify([schema, taskName])).digest('hex');

  return `planton_${digest.slice(0, 32)}`;
};
