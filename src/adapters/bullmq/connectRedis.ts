import {Redis} from 'ioredis';
import {describeValue} from '../../planton/describeValue.ts';
import {InvalidSinkConfigurationError} from '../sinks/errors.ts';
import type {BullMqReconnection} from './types.ts';

export type RedisConnectionConfiguration = {
  readonly connection?: Redis;
  readonly prefix?: string;
  readonly queueName: string;
  readonly reconnection?: BullMqReconnection;
  readonly url?: string;
};

/** Checks what sink and worker share (`url` xor `connection`, `queueName`, `prefix`, `reconnection`); throws `INVALID_SINK_CONFIGURATION`. */
export const validateConnectionConfiguration = (configuration: RedisConnectionConfiguration) => {
  if (typeof configuration !== 'object' || configuration === null) {
    throw new InvalidSinkConfigurationError('configuration', `Expected a configuration object, got \`${describeValue(configuration)}\`.`);
  }

  const {connection, prefix = 'bull', queueName, reconnection = {}, url} = configuration;

  if ((connection === undefined) === (url === undefined)) {
    throw new InvalidSinkConfigurationError('url', 'Expected exactly one of `url` and `connection`.');
  }

  if (url !== undefined && (typeof url !== 'string' || url === '')) {
    throw new InvalidSinkConfigurationError('url', `Expected \`url\` to be a non-empty string, got \`${describeValue(url)}\`.`);
  }

  if (connection !== undefined && (typeof connection !== 'object' || connection === null || typeof (connection as {duplicate?: unknown}).duplicate !== 'function')) {
    throw new InvalidSinkConfigurationError('connection', `Expected \`connection\` to be an ioredis instance, got \`${describeValue(connection)}\`.`);
  }

  if (typeof queueName !== 'string' || queueName === '' || queueName.includes(':')) {
    throw new InvalidSinkConfigurationError('queueName', `Expected \`queueName\` to be a non-empty string without \`:\`, got \`${describeValue(queueName)}\`.`);
  }

  if (typeof prefix !== 'string' || prefix === '') {
    throw new InvalidSinkConfigurationError('prefix', `Expected \`prefix\` to be a non-empty string, got \`${describeValue(prefix)}\`.`);
  }

  const {initialDelay = 100, maxDelay = 5_000} = reconnection;

  if (!Number.isFinite(initialDelay) || initialDelay <= 0 || !Number.isFinite(maxDelay) || maxDelay < initialDelay) {
    throw new InvalidSinkConfigurationError('reconnection', `Expected \`reconnection\` to have 0 < initialDelay <= maxDelay, got \`${describeValue(reconnection)}\`.`);
  }

  return {connection, prefix, queueName, reconnection: {initialDelay, maxDelay}, url};
};

/**
 * The ioredis connection a factory owns when given a `url`: reconnects forever with exponential
 * backoff. A sink's connection has no offline queue (`enableOfflineQueue: false`): a command sent
 * while Redis is away fails at once and the sink waits for `ready` itself, within its publish
 * timeout, so nothing piles up inside ioredis. A worker's follows BullMQ's requirement
 * (`maxRetriesPerRequest: null`).
 */
export const connectRedis = ({reconnection, role, url}: {
  readonly reconnection: Required<BullMqReconnection>;
  readonly role: 'SINK' | 'WORKER';
  readonly url: string;
}): Redis => {
  return new Redis(url, {
    enableOfflineQueue: role === 'WORKER',
    maxRetriesPerRequest: role === 'WORKER' ? null : 1,
    retryStrategy: (times) => Math.min(reconnection.initialDelay * 2 ** Math.min(times - 1, 20), reconnection.maxDelay),
  });
};
