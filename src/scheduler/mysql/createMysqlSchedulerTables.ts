import {qualifyMysqlTable} from '../../adapters/mysql/mysqlIdentifiers.ts';
import {InvalidSchedulerConfigurationError} from '../errors.ts';

/** The scheduler's tables, each a quoted identifier (`database`.`prefixname` or `prefixname`) ready for SQL, with the names they came from. */
export type MysqlSchedulerTables = {
  /** The database holding the tables, `null` for the pool's current one. */
  readonly database: string | null;
  readonly job: string;
  readonly lock: string;
  readonly log: string;
  /** What every table name starts with. */
  readonly prefix: string;
  readonly task: string;
};

/** Letters, digits, `_` and `$`: an identifier that needs no escaping on any server, whatever its sql_mode (quoted anyway). */
const PLAIN_IDENTIFIER = /^[\w$]*$/u;

/** MySQL and MariaDB refuse a table or database name over 64 characters. */
const MAX_IDENTIFIER_LENGTH = 64;

/** The longest table name the prefix is put before. */
const LONGEST_TABLE = 'scheduler_migration';

/**
 * The scheduler's tables under `prefix` (in `database`, or the pool's current one), validated and
 * quoted once here: queries interpolate these identifiers, never a value, and a value never comes
 * here (values travel as `?` parameters).
 */
export const createMysqlSchedulerTables = ({database, prefix}: {readonly database: string | null; readonly prefix: string}): MysqlSchedulerTables => {
  if (typeof prefix !== 'string' || !PLAIN_IDENTIFIER.test(prefix) || prefix.length + LONGEST_TABLE.length > MAX_IDENTIFIER_LENGTH) {
    throw new InvalidSchedulerConfigurationError('tablePrefix', `letters, digits, \`_\` or \`$\`, at most ${MAX_IDENTIFIER_LENGTH - LONGEST_TABLE.length} characters`, prefix);
  }

  if (database !== null && (typeof database !== 'string' || database === '' || !PLAIN_IDENTIFIER.test(database) || database.length > MAX_IDENTIFIER_LENGTH)) {
    throw new InvalidSchedulerConfigurationError('database', `letters, digits, \`_\` or \`$\`, 1 to ${MAX_IDENTIFIER_LENGTH} characters`, database);
  }

  const qualify = (name: string) => qualifyMysqlTable({database, name, tablePrefix: prefix});

  return {
    database,
    job: qualify('scheduled_job'),
    lock: qualify('scheduler_lock'),
    log: qualify('scheduled_job_log'),
    prefix,
    task: qualify('scheduled_task'),
  };
};
