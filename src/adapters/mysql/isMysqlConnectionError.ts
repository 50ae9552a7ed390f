/** Socket errors: the server is not there, went away, or did not answer in time. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

/**
 * mysql2's and the server's codes for a connection that cannot be had as configured: lost, closed
 * while in use, timed out; a login refused (a wrong user or password), no such database, too many
 * connections, a server shutting down.
 */
const CONNECTION_CODES = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_CON_COUNT_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_HOST_IS_BLOCKED',
  'ER_HOST_NOT_PRIVILEGED',
  'ER_SERVER_SHUTDOWN',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'POOL_CLOSED',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);

/**
 * Whether `error` (or an error in its `cause` chain, or of an AggregateError) says the MySQL server
 * cannot be reached as configured: socket errors, mysql2's connection errors (and any it marks
 * `fatal`), a login refused, a database that does not exist.
 */
export const isMysqlConnectionError = (error: unknown): boolean => {
  let current: unknown = error;

  for (let depth = 0; depth < 10 && current !== null && typeof current === 'object'; depth++) {
    const {code, fatal} = current as {readonly code?: unknown; readonly fatal?: unknown};

    if (typeof code === 'string' && (NETWORK_CODES.has(code) || CONNECTION_CODES.has(code))) {
      return true;
    }

    if (fatal === true && typeof code === 'string' && !code.startsWith('ER_')) {
      return true;
    }

    if (current instanceof AggregateError && current.errors.some((inner) => isMysqlConnectionError(inner))) {
      return true;
    }

    current = (current as {readonly cause?: unknown}).cause;
  }

  return false;
};
