import {type ConnectionRefusal, SinkConnectionRefusedError, type SinkBroker} from './errors.ts';

/** Socket error codes that say nothing accepts connections at the address: a wrong port or host. */
const ADDRESS_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND']);

/**
 * The brokers' ways of turning down credentials or permissions: RabbitMQ's ACCESS_REFUSED (403) and
 * NOT_ALLOWED (a vhost the user may not open: amqplib then reports the unexpected ConnectionClose),
 * Redis' WRONGPASS / NOAUTH / NOPERM, NATS' authorization violation and expired credentials.
 */
const AUTHENTICATION = /ACCESS[-_]REFUSED|NOT_ALLOWED|Expected ConnectionOpenOk; got <ConnectionClose|WRONGPASS|NOAUTH|NOPERM|AUTHORIZATION_VIOLATION|Authorization Violation|AUTHENTICATION_EXPIRED/u;

const getCode = (value: unknown): unknown => (value as {code?: unknown} | null | undefined)?.code;

const classify = (error: unknown): ConnectionRefusal | null => {
  const message = error instanceof Error ? error.message : String(error);

  if (AUTHENTICATION.test(message) || AUTHENTICATION.test(String(getCode(error)))) {
    return 'AUTHENTICATION';
  }

  // nats wraps the socket's error as `chainedError`; others put it in `cause`, or are the socket's error.
  const codes = [error, (error as {chainedError?: unknown} | null)?.chainedError, (error as {cause?: unknown} | null)?.cause].map(getCode);

  return codes.some((code) => typeof code === 'string' && ADDRESS_CODES.has(code)) ? 'ADDRESS' : null;
};

/**
 * The coded error for a failed connection attempt when the broker refused it (credentials,
 * permissions, nothing listening, unknown host), or null for a failure that may pass by itself (a
 * reset, a timeout): those keep being waited for.
 */
export const toConnectionRefusedError = (broker: SinkBroker, error: unknown): SinkConnectionRefusedError | null => {
  const refusal = classify(error);

  return refusal === null ? null : new SinkConnectionRefusedError(broker, refusal, error);
};
