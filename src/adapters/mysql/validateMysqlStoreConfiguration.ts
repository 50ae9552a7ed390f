import {hostname as getHostname} from 'node:os';
import {describeValue} from '../../planton/describeValue.ts';
import {InvalidStoreConfigurationError} from '../errors.ts';
import {validateMysqlDatabase, validateMysqlTablePrefix} from './mysqlIdentifiers.ts';
import type {MysqlStoreConfiguration} from './types.ts';

const DEFAULT_HEARTBEAT_INTERVAL = 10_000;
const DEFAULT_REAPER_INTERVAL = 10_000;
const DEFAULT_POLL_INTERVAL = 1_000;

const expectInterval = (option: string, value: unknown, minimum: 'positive' | 'zero'): number => {
  if (typeof value !== 'number' || !Number.isFinite(value) || (minimum === 'positive' ? value <= 0 : value < 0)) {
    throw new InvalidStoreConfigurationError(option, `Expected \`${option}\` to be a finite number ${minimum === 'positive' ? '> 0' : '>= 0'}, got \`${describeValue(value)}\`.`);
  }

  return value;
};

/** The MySQL store's options with their defaults; throws INVALID_STORE_CONFIGURATION on the first bad one. */
export const validateMysqlStoreConfiguration = (configuration: MysqlStoreConfiguration) => {
  if (typeof configuration !== 'object' || configuration === null) {
    throw new InvalidStoreConfigurationError('configuration', `Expected a configuration object, got \`${String(configuration)}\`.`);
  }

  const {
    heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL,
    hostname = getHostname(),
    pollInterval = DEFAULT_POLL_INTERVAL,
    pool,
    reaperInterval = DEFAULT_REAPER_INTERVAL,
    tablePrefix = 'planton_',
  } = configuration;

  if (typeof pool?.getConnection !== 'function' || typeof pool.query !== 'function') {
    throw new InvalidStoreConfigurationError('pool', `Expected \`pool\` to be a mysql2/promise Pool, got \`${typeof pool}\`.`);
  }

  if (typeof hostname !== 'string' || hostname === '') {
    throw new InvalidStoreConfigurationError('hostname', `Expected \`hostname\` to be a non-empty string, got \`${describeValue(hostname)}\`.`);
  }

  return {
    database: validateMysqlDatabase(configuration.database),
    heartbeatInterval: expectInterval('heartbeatInterval', heartbeatInterval, 'positive'),
    // The column is VARCHAR(255).
    hostname: hostname.slice(0, 255),
    pollInterval: expectInterval('pollInterval', pollInterval, 'zero'),
    pool,
    reaperInterval: expectInterval('reaperInterval', reaperInterval, 'zero'),
    tablePrefix: validateMysqlTablePrefix(tablePrefix),
  };
};
