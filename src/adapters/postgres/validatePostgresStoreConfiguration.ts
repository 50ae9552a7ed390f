import {hostname as getHostname} from 'node:os';
import {describeValue} from '../../planton/describeValue.ts';
import {InvalidStoreConfigurationError} from '../errors.ts';
import type {TaskDefinition} from '../types.ts';
import type {PostgresStoreConfiguration} from './types.ts';

const DEFAULT_HEARTBEAT_INTERVAL = 10_000;
const DEFAULT_REAPER_INTERVAL = 10_000;
const DEFAULT_MAXIMUM_EXECUTION_DURATION = 300_000;

/** The PostgreSQL store's options with their defaults; throws INVALID_STORE_CONFIGURATION on the first bad one. */
export const validatePostgresStoreConfiguration = (configuration: PostgresStoreConfiguration) => {
  if (typeof configuration !== 'object' || configuration === null) {
    throw new InvalidStoreConfigurationError('configuration', `Expected a configuration object, got \`${String(configuration)}\`.`);
  }

  const {
    activeFromMemory = true,
    heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL,
    hostname = getHostname(),
    pool,
    preparedStatements = true,
    reaperInterval = DEFAULT_REAPER_INTERVAL,
    schema = 'planton',
  } = configuration;

  if (typeof pool?.transaction !== 'function') {
    throw new InvalidStoreConfigurationError('pool', `Expected \`pool\` to be a slonik DatabasePool, got \`${typeof pool}\`.`);
  }

  if (typeof schema !== 'string' || schema === '' || Buffer.byteLength(schema) > 63) {
    throw new InvalidStoreConfigurationError('schema', `Expected \`schema\` to be a non-empty string of at most 63 bytes, got \`${describeValue(schema)}\`.`);
  }

  if (!Number.isFinite(heartbeatInterval) || heartbeatInterval <= 0) {
    throw new InvalidStoreConfigurationError('heartbeatInterval', `Expected \`heartbeatInterval\` to be a finite number > 0, got \`${describeValue(heartbeatInterval)}\`.`);
  }

  if (!Number.isFinite(reaperInterval) || reaperInterval < 0) {
    throw new InvalidStoreConfigurationError('reaperInterval', `Expected \`reaperInterval\` to be a finite number >= 0, got \`${describeValue(reaperInterval)}\`.`);
  }

  if (typeof hostname !== 'string' || hostname === '') {
    throw new InvalidStoreConfigurationError('hostname', `Expected \`hostname\` to be a non-empty string, got \`${describeValue(hostname)}\`.`);
  }

  if (typeof activeFromMemory !== 'boolean') {
    throw new InvalidStoreConfigurationError('activeFromMemory', `Expected \`activeFromMemory\` to be a boolean, got \`${describeValue(activeFromMemory)}\`.`);
  }

  if (typeof preparedStatements !== 'boolean') {
    throw new InvalidStoreConfigurationError('preparedStatements', `Expected \`preparedStatements\` to be a boolean, got \`${describeValue(preparedStatements)}\`.`);
  }

  return {activeFromMemory, heartbeatInterval, hostname, pool, preparedStatements, reaperInterval, schema};
};

/** A task's row in maintenance_task, with its defaults; throws INVALID_STORE_CONFIGURATION on the first bad field. */
export const validateTaskDefinition = (definition: TaskDefinition) => {
  const {
    maximumConcurrentExecutionCount = 0,
    maximumExecutionDuration = DEFAULT_MAXIMUM_EXECUTION_DURATION,
    name,
  } = definition;

  if (typeof name !== 'string' || name === '') {
    throw new InvalidStoreConfigurationError('name', `Expected \`name\` to be a non-empty string, got \`${describeValue(name)}\`.`);
  }

  if (!Number.isFinite(maximumExecutionDuration) || maximumExecutionDuration <= 0) {
    throw new InvalidStoreConfigurationError('maximumExecutionDuration', `Expected \`maximumExecutionDuration\` to be a finite number > 0, got \`${describeValue(maximumExecutionDuration)}\`.`);
  }

  if (!Number.isInteger(maximumConcurrentExecutionCount) || maximumConcurrentExecutionCount < 0) {
    throw new InvalidStoreConfigurationError('maximumConcurrentExecutionCount', `Expected \`maximumConcurrentExecutionCount\` to be an integer >= 0, got \`${describeValue(maximumConcurrentExecutionCount)}\`.`);
  }

  return {maximumConcurrentExecutionCount, maximumExecutionDuration, taskName: name};
};
