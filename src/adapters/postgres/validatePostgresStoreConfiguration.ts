import {hostname as getHostname} from 'node:os';
import {describeValue} from '../../planton/describeValue.ts';
import {InvalidStoreConfigurationError} from '../errors.ts';
import type {TaskDefinition} from '../types.ts';
import type {PostgresStoreConfiguration} from './types.ts';

const DEFAULT_HEARTBEAT_INTERVAL = 10_000;
const DEFAULT_REAPER_INTERVAL = 10_000;
const DEFAULT_MAX_EXECUTION_DURATION = 300_000;
/** graphile-worker's default `max_attempts`; with the delays below, about 13 hours of retries. */
const DEFAULT_MAX_ATTEMPTS = 25;
const DEFAULT_RETRY_DELAY = 1_000;
const DEFAULT_MAX_RETRY_DELAY = 3_600_000;
/** The longest delay an interval column takes without overflow, with room (about 31 years). */
const MAX_DELAY = 1e12;

/** Longest task name, in UTF-8 bytes: well under what one entry of the unique index on it holds. */
const MAX_TASK_NAME_BYTES = 1_000;

/** A PostgreSQL schema name: a non-empty string of at most 63 bytes (`INVALID_STORE_CONFIGURATION` otherwise). */
export const validateSchemaName = (schema: unknown): string => {
  if (typeof schema !== 'string' || schema === '' || Buffer.byteLength(schema) > 63) {
    throw new InvalidStoreConfigurationError('schema', `Expected \`schema\` to be a non-empty string of at most 63 bytes, got \`${describeValue(schema)}\`.`);
  }

  return schema;
};

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

  validateSchemaName(schema);

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

/** The option as the caller named it: the current name, or its deprecated alias when only that was given. */
const pickOption = (definition: TaskDefinition, name: keyof TaskDefinition, alias: keyof TaskDefinition) => {
  return definition[name] === undefined && definition[alias] !== undefined ? {option: alias, value: definition[alias]} : {option: name, value: definition[name]};
};

/**
 * A task's row in maintenance_task, with its defaults; throws INVALID_STORE_CONFIGURATION on the first
 * bad field. The deprecated `maximumExecutionDuration` and `maximumConcurrentExecutionCount` are read
 * when their `max*` names are not given.
 */
export const validateTaskDefinition = (definition: TaskDefinition) => {
  const {name} = definition;
  const duration = pickOption(definition, 'maxExecutionDuration', 'maximumExecutionDuration');
  const count = pickOption(definition, 'maxConcurrentExecutionCount', 'maximumConcurrentExecutionCount');
  const maxExecutionDuration = duration.value === undefined ? DEFAULT_MAX_EXECUTION_DURATION : duration.value;
  const maxConcurrentExecutionCount = count.value === undefined ? 0 : count.value;

  // PostgreSQL text holds no NUL; a lone surrogate reaches it as U+FFFD, so two such names would be
  // one task; a name longer than a btree entry (2,704 bytes on a server) fails the unique index.
  if (typeof name !== 'string' || name === '' || name.includes('\u0000') || !name.isWellFormed() || Buffer.byteLength(name) > MAX_TASK_NAME_BYTES) {
    throw new InvalidStoreConfigurationError('name', `Expected \`name\` to be a non-empty string of well-formed Unicode, without NUL (U+0000), of at most ${MAX_TASK_NAME_BYTES} bytes, got \`${describeValue(typeof name === 'string' && name.length > 200 ? `${name.slice(0, 200)}…` : name)}\`.`);
  }

  if (typeof maxExecutionDuration !== 'number' || !Number.isFinite(maxExecutionDuration) || maxExecutionDuration <= 0) {
    throw new InvalidStoreConfigurationError(duration.option, `Expected \`${duration.option}\` to be a finite number > 0, got \`${describeValue(maxExecutionDuration)}\`.`);
  }

  if (typeof maxConcurrentExecutionCount !== 'number' || !Number.isInteger(maxConcurrentExecutionCount) || maxConcurrentExecutionCount < 0) {
    throw new InvalidStoreConfigurationError(count.option, `Expected \`${count.option}\` to be an integer >= 0, got \`${describeValue(maxConcurrentExecutionCount)}\`.`);
  }

  const {maxAttempts = DEFAULT_MAX_ATTEMPTS, retryDelay = DEFAULT_RETRY_DELAY} = definition;
  const {maxRetryDelay = Math.max(DEFAULT_MAX_RETRY_DELAY, typeof retryDelay === 'number' ? retryDelay : 0)} = definition;

  if (typeof maxAttempts !== 'number' || !Number.isSafeInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 2_147_483_647) {
    throw new InvalidStoreConfigurationError('maxAttempts', `Expected \`maxAttempts\` to be an integer >= 1, got \`${describeValue(maxAttempts)}\`.`);
  }

  if (typeof retryDelay !== 'number' || !Number.isFinite(retryDelay) || retryDelay < 0 || retryDelay > MAX_DELAY) {
    throw new InvalidStoreConfigurationError('retryDelay', `Expected \`retryDelay\` to be a finite number >= 0 (milliseconds), got \`${describeValue(retryDelay)}\`.`);
  }

  if (typeof maxRetryDelay !== 'number' || !Number.isFinite(maxRetryDelay) || maxRetryDelay < retryDelay || maxRetryDelay > MAX_DELAY) {
    throw new InvalidStoreConfigurationError('maxRetryDelay', `Expected \`maxRetryDelay\` to be a finite number >= \`retryDelay\` (${retryDelay}), got \`${describeValue(maxRetryDelay)}\`.`);
  }

  return {maxAttempts, maxConcurrentExecutionCount, maxExecutionDuration, maxRetryDelay, retryDelay, taskName: name};
};
