/** Socket errors, and mysql2's codes for a connection lost, refused or timed out. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'ETIMEDOUT',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);

/**
 * What a server answers a connection it will not take as configured, or a session it ends: too many
 * connections, access denied (no such user, a wrong password, no rights on the database), no such
 * database, a server shutting down, a connection killed (MariaDB's ER_CONNECTION_KILLED, 1927).
 */
const SERVER_CODES = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_CON_COUNT_ERROR',
  'ER_CONNECTION_KILLED',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_SERVER_SHUTDOWN',
]);

const SERVER_ERRNOS = new Set([1927]);

/**
 * Whether `error` (or any error in its `cause` chain) says the MySQL/MariaDB server cannot be
 * reached: a socket error, a connection mysql2 marks `fatal` (the session is gone), or a connection
 * the server refused or ended.
 */
export const isMysqlConnectionError = (error: unknown): boolean => {
  let current: unknown = error;

  for (let depth = 0; depth < 10 && current !== null && current !== undefined; depth++) {
    const {code, errno, fatal} = current as {readonly code?: unknown; readonly errno?: unknown; readonly fatal?: unknown};

    if (fatal === true || (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_CODES.has(code))) || (typeof errno === 'number' && SERVER_ERRNOS.has(errno))) {
      return true;
    }

    if (current instanceof AggregateError && current.errors.some((inner) => isMysqlConnectionError(inner))) {
      return true;
    }

    current = (current as {readonly cause?: unknown}).cause;
  }

  return false;
};
