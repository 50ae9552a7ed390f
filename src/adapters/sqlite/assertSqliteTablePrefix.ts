import {InvalidStoreConfigurationError} from '../errors.ts';

/** What a table prefix may hold: it is written into SQL as part of identifiers, so nothing that needs quoting. */
const TABLE_PREFIX = /^[A-Za-z_][\w]{0,40}$/u;

/**
 * Throws `InvalidStoreConfigurationError` (option `tablePrefix`) unless `tablePrefix` is an ASCII
 * letter or underscore followed by at most 40 letters, digits or underscores. SQLite has no
 * identifier parameters, so the prefix is the one thing put into statements as text; this is what
 * keeps it from being anything but a name.
 */
export function assertSqliteTablePrefix (tablePrefix: unknown): asserts tablePrefix is string {
  if (typeof tablePrefix !== 'string' || !TABLE_PREFIX.test(tablePrefix)) {
    throw new InvalidStoreConfigurationError('tablePrefix', `Expected \`tablePrefix\` to be a letter or underscore followed by at most 40 letters, digits or underscores, got \`${JSON.stringify(tablePrefix)}\`.`);
  }
}
