/**
 * Identifiers of the MySQL/MariaDB adapters: the database and the table prefix are validated (so
 * no option can carry SQL) and every name is quoted with backticks anyway. Values never go here:
 * they travel as `?` parameters.
 */
import {describeValue} from '../../planton/describeValue.ts';
import {InvalidStoreConfigurationError} from '../errors.ts';

/** Longest MySQL identifier (a database, a table), in characters. */
const MAXIMUM_IDENTIFIER_LENGTH = 64;

/** Longest table prefix: leaves room for the longest table name Planton appends (`maintenance_task_instruction_retry`, 34). */
export const MAXIMUM_TABLE_PREFIX_LENGTH = 24;

const DATABASE_NAME = /^[\w$]+$/u;
const TABLE_PREFIX = /^[\w$]*$/u;

/** Quotes one identifier: backticks around it, and each backtick in it doubled. */
export const quoteMysqlIdentifier = (name: string): string => {
  return `\`${name.replaceAll('`', '``')}\``;
};

/**
 * Throws INVALID_STORE_CONFIGURATION unless `database` is a plain database name (letters, digits,
 * `_`, `$`; at most 64 characters), or null (the connection's current database).
 */
export const validateMysqlDatabase = (database: unknown): string | null => {
  if (database === undefined || database === null) {
    return null;
  }

  if (typeof database !== 'string' || database.length > MAXIMUM_IDENTIFIER_LENGTH || !DATABASE_NAME.test(database)) {
    throw new InvalidStoreConfigurationError('database', `Expected \`database\` to be a name of 1 to ${MAXIMUM_IDENTIFIER_LENGTH} letters, digits, \`_\` or \`$\`, got \`${describeValue(database)}\`.`);
  }

  return database;
};

/** Throws INVALID_STORE_CONFIGURATION unless `tablePrefix` is letters, digits, `_`, `$` (at most 24; may be empty). */
export const validateMysqlTablePrefix = (tablePrefix: unknown): string => {
  if (typeof tablePrefix !== 'string' || tablePrefix.length > MAXIMUM_TABLE_PREFIX_LENGTH || !TABLE_PREFIX.test(tablePrefix)) {
    throw new InvalidStoreConfigurationError('tablePrefix', `Expected \`tablePrefix\` to be at most ${MAXIMUM_TABLE_PREFIX_LENGTH} letters, digits, \`_\` or \`$\`, got \`${describeValue(tablePrefix)}\`.`);
  }

  return tablePrefix;
};

/**
 * The quoted, qualified name of a table: `` `database`.`<prefix><name>` ``, or `` `<prefix><name>` ``
 * (in the connection's current database) when `database` is null.
 */
export const qualifyMysqlTable = ({database, name, tablePrefix}: {readonly database: string | null; readonly name: string; readonly tablePrefix: string}): string => {
  const table = quoteMysqlIdentifier(`${tablePrefix}${name}`);

  return database === null ? table : `${quoteMysqlIdentifier(database)}.${table}`;
};
