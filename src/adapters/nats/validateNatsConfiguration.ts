import {describeValue} from '../../planton/describeValue.ts';
import {InvalidSinkConfigurationError} from '../sinks/errors.ts';
import type {NatsReconnection, NatsServer, NatsStreamDefaults} from './types.ts';

const DEFAULT_DUPLICATE_WINDOW = 120_000;

/** Stream names JetStream accepts: no whitespace, `.`, `*`, `>`, path separators. */
const STREAM_NAME = /^[^\s.*>/\\]+$/u;

/** Throws `INVALID_SINK_CONFIGURATION` with a message like "Expected `stream` to be …, got `…`." */
export const failOption = (option: string, expectation: string, value: unknown): never => {
  throw new InvalidSinkConfigurationError(option, `Expected \`${option}\` to be ${expectation}, got \`${describeValue(value)}\`.`);
};

export const isPositiveNumber = (value: unknown): value is number => {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
};

/** Checks what the NATS sink and worker share (server, stream, subject, stream defaults, reconnection) and fills the defaults. */
export const validateNatsConfiguration = (configuration: NatsServer & NatsStreamDefaults & {
  readonly reconnection?: NatsReconnection;
  readonly stream: string;
  readonly subject: string;
}) => {
  if (typeof configuration !== 'object' || configuration === null) {
    return failOption('configuration', 'an object', configuration);
  }

  const {connection, duplicateWindow = DEFAULT_DUPLICATE_WINDOW, ensureStream = true, reconnection = {}, stream, subject, url} = configuration;

  if (connection === undefined && (typeof url !== 'string' || url === '')) {
    failOption('url', 'a non-empty string (or `connection` to be given)', url);
  }

  if (connection !== undefined && (typeof connection !== 'object' || connection === null || typeof connection.jetstream !== 'function')) {
    failOption('connection', 'a NatsConnection', connection);
  }

  if (connection !== undefined && url !== undefined) {
    failOption('url', 'undefined when `connection` is given', url);
  }

  if (typeof stream !== 'string' || !STREAM_NAME.test(stream)) {
    failOption('stream', 'a stream name (no whitespace, `.`, `*`, `>`, `/` or `\\`)', stream);
  }

  if (typeof subject !== 'string' || subject === '' || /\s/u.test(subject)) {
    failOption('subject', 'a non-empty subject without whitespace', subject);
  }

  if (!isPositiveNumber(duplicateWindow)) {
    failOption('duplicateWindow', 'a finite number > 0', duplicateWindow);
  }

  if (typeof ensureStream !== 'boolean') {
    failOption('ensureStream', 'a boolean', ensureStream);
  }

  if (reconnection.delay !== undefined && !isPositiveNumber(reconnection.delay)) {
    failOption('reconnection.delay', 'a finite number > 0', reconnection.delay);
  }

  if (reconnection.jitter !== undefined && !(typeof reconnection.jitter === 'number' && Number.isFinite(reconnection.jitter) && reconnection.jitter >= 0)) {
    failOption('reconnection.jitter', 'a finite number >= 0', reconnection.jitter);
  }

  return {
    duplicateWindow,
    ensureStream,
    reconnection,
    server: connection === undefined ? {url: url as string} : {connection},
    stream,
    subject,
  };
};
