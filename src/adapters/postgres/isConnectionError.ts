import {BackendTerminatedError, ConnectionError} from 'slonik';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', 'ETIMEDOUT']);

/**
 * SQLSTATEs a server answers a connection with when it will not take it as configured: class 28
 * (invalid authorization: no such role, a wrong password, a role that may not log in) and 3D000 (no
 * such database). slonik wraps them in its ConnectionError; a plain `pg` client (the listener's)
 * does not.
 */
const isLoginRefusal = (code: string) => code.startsWith('28') || code === '3D000';

/**
 * Whether `error` (or any error in its `cause` chain) says the database cannot be reached: slonik's
 * connection errors, socket errors, SQLSTATE class 08 (connection exception) or 57P0x (shutdown),
 * a login refused or a database that does not exist.
 */
export const isConnectionError = (error: unknown): boolean => {
  let current: unknown = error;

  for (let depth = 0; depth < 10 && current !== null && current !== undefined; depth++) {
    if (current instanceof ConnectionError || current instanceof BackendTerminatedError) {
      return true;
    }

    const code = (current as {readonly code?: unknown}).code;

    if (typeof code === 'string' && (NETWORK_CODES.has(code) || code.startsWith('08') || code.startsWith('57P0') || isLoginRefusal(code))) {
      return true;
    }

    if (current instanceof AggregateError && current.errors.some((inner) => isConnectionError(inner))) {
      return true;
    }

    current = (current as {readonly cause?: unknown}).cause;
  }

  return false;
};
