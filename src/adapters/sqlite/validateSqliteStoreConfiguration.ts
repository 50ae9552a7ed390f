import {hostname as getHostname} from 'node:os';
import type {DatabaseSync} from 'node:sqlite';
import {loadSqlite} from './loadSqlite.ts';
import {describeValue} from '../../planton/describeValue.ts';
import {InvalidStoreConfigurationError} from '../errors.ts';
import {assertSqliteTablePrefix} from './assertSqliteTablePrefix.ts';
import type {SqliteStoreConfiguration} from './types.ts';

const DEFAULT_BUSY_TIMEOUT = 5_000;
const DEFAULT_HEARTBEAT_INTERVAL = 10_000;
const DEFAULT_POLL_INTERVAL = 250;
const DEFAULT_REAPER_INTERVAL = 10_000;

/** The SQLite store's options with their defaults; throws INVALID_STORE_CONFIGURATION on the first bad one. */
export const validateSqliteStoreConfiguration = (configuration: SqliteStoreConfiguration) => {
  if (typeof configuration !== 'object' || configuration === null) {
    throw new InvalidStoreConfigurationError('configuration', `Expected a configuration object, got \`${String(configuration)}\`.`);
  }

  const {
    busyTimeout = DEFAULT_BUSY_TIMEOUT,
    database,
    filename,
    heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL,
    hostname = getHostname(),
    pollInterval = DEFAULT_POLL_INTERVAL,
    reaperInterval = DEFAULT_REAPER_INTERVAL,
    tablePrefix = 'planton_',
  } = configuration;

  if ((database === undefined) === (filename === undefined)) {
    throw new InvalidStoreConfigurationError('database', 'Expected exactly one of `database` (an open node:sqlite DatabaseSync) and `filename` (a database file), got ' + (database === undefined ? 'neither.' : 'both.'));
  }

  if (database !== undefined && !(database instanceof loadSqlite().DatabaseSync)) {
    throw new InvalidStoreConfigurationError('database', `Expected \`database\` to be a node:sqlite DatabaseSync, got \`${describeValue(database)}\`.`);
  }

  if (database !== undefined && !database.isOpen) {
    throw new InvalidStoreConfigurationError('database', 'Expected `database` to be open, got a closed DatabaseSync.');
  }

  if (filename !== undefined && (typeof filename !== 'string' || filename === '' || filename.includes('\u0000'))) {
    throw new InvalidStoreConfigurationError('filename', `Expected \`filename\` to be a non-empty path without NUL, got \`${describeValue(filename)}\`.`);
  }

  if (!Number.isSafeInteger(busyTimeout) || busyTimeout < 0) {
    throw new InvalidStoreConfigurationError('busyTimeout', `Expected \`busyTimeout\` to be an integer >= 0 (milliseconds), got \`${describeValue(busyTimeout)}\`.`);
  }

  if (!Number.isFinite(heartbeatInterval) || heartbeatInterval <= 0) {
    throw new InvalidStoreConfigurationError('heartbeatInterval', `Expected \`heartbeatInterval\` to be a finite number > 0, got \`${describeValue(heartbeatInterval)}\`.`);
  }

  if (!Number.isFinite(pollInterval) || pollInterval < 0) {
    throw new InvalidStoreConfigurationError('pollInterval', `Expected \`pollInterval\` to be a finite number >= 0, got \`${describeValue(pollInterval)}\`.`);
  }

  if (!Number.isFinite(reaperInterval) || reaperInterval < 0) {
    throw new InvalidStoreConfigurationError('reaperInterval', `Expected \`reaperInterval\` to be a finite number >= 0, got \`${describeValue(reaperInterval)}\`.`);
  }

  if (typeof hostname !== 'string' || hostname === '') {
    throw new InvalidStoreConfigurationError('hostname', `Expected \`hostname\` to be a non-empty string, got \`${describeValue(hostname)}\`.`);
  }

  assertSqliteTablePrefix(tablePrefix);

  return {busyTimeout, database, filename, heartbeatInterval, hostname, pollInterval, reaperInterval, tablePrefix};
};
