import {serializeError} from 'serialize-error';
import {Logger} from '../../planton/Logger.ts';
import {ServerUnreachableError, StoreTimeoutError} from '../errors.ts';
import {isConnectionError as isPostgresConnectionError} from '../../adapters/postgres/isConnectionError.ts';

const log = Logger.child({
  namespace: 'createStoreGuard',
});

export type StoreGuardConfiguration = {
  /**
   * Whether a driver's error says the database cannot be reached (it becomes `server_unreachable`).
   * @default PostgreSQL's (slonik and pg errors)
   */
  readonly isConnectionError?: (error: unknown) => boolean;
  /** Milliseconds an operation may take before it rejects; `Infinity` waits for ever. */
  readonly timeout: number;
};

export type StoreGuardOptions<T> = {
  /**
   * Receives the value of an operation that was given up on (it timed out, or `signal` aborted) and
   * then succeeded after all: its caller was told it failed, so whatever the operation took (claimed
   * jobs) must be given back there.
   */
  readonly onLateResult?: (value: T) => Promise<void>;
  /** Gives up on the operation at once, as its timeout does: it rejects with the signal's reason. */
  readonly signal?: AbortSignal;
};

/**
 * Runs one store operation: errors that say the database cannot be reached, and an operation that
 * got no answer within `timeout`, reject as `server_unreachable`. `run`'s signal aborts when the
 * operation is given up on (its timeout, or the caller's `signal`), with the error its caller got,
 * so that it can roll back what has not committed yet. The MySQL scheduler store uses it too (with
 * `isConnectionError` for mysql2's errors): mysql2 bounds neither the wait for a pool connection nor
 * a query sent into a network that drops packets.
 */
export type StoreGuard = <T>(operation: string, run: (givenUp: AbortSignal) => Promise<T>, options?: StoreGuardOptions<T>) => Promise<T>;

const GIVEN_UP = Symbol('given up');

/**
 * Why a timeout of our own: slonik 49 has none on the client side. Its `statementTimeout` is the
 * server's `statement_timeout`, which never fires when the packets do not arrive, and its
 * `connectionTimeout` covers only opening a connection; a query sent into a network that drops
 * packets (no RST, no FIN) waits for ever. The query cannot be canceled either (slonik exposes no
 * socket and no AbortSignal): it goes on in the background, holding its pool connection until the
 * network heals or the socket dies, and may still complete: the store then rolls back its
 * transaction (`run`'s signal has aborted), or lets it apply late, once, where it is fenced by the
 * job's state and attempt (one that comes after the job moved on changes nothing). The timer is a
 * real one, not the scheduler's clock (it bounds I/O, which a manual clock does not drive), and
 * unref()ed: a query in flight holds a socket, which keeps the process up.
 */
export const createStoreGuard = ({isConnectionError = isPostgresConnectionError, timeout}: StoreGuardConfiguration): StoreGuard => {
  return async (operation, run, {onLateResult, signal} = {}) => {
    signal?.throwIfAborted();

    const givenUp = new AbortController();
    const pending = run(givenUp.signal);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    let outcome: Awaited<typeof pending> | typeof GIVEN_UP;
    let reason: unknown;

    try {
      outcome = !Number.isFinite(timeout) && signal === undefined ? await pending : await Promise.race([
        pending,
        new Promise<typeof GIVEN_UP>((resolve) => {
          if (Number.isFinite(timeout)) {
            timer = setTimeout(() => {
              reason = new ServerUnreachableError(new StoreTimeoutError(operation, timeout));
              resolve(GIVEN_UP);
            }, timeout).unref();
          }

          onAbort = () => {
            reason = signal?.reason;
            resolve(GIVEN_UP);
          };
          signal?.addEventListener('abort', onAbort, {once: true});
        }),
      ]);
    } catch (error) {
      throw isConnectionError(error) ? new ServerUnreachableError(error) : error;
    } finally {
      clearTimeout(timer);

      if (onAbort !== undefined) {
        signal?.removeEventListener('abort', onAbort);
      }
    }

    if (outcome !== GIVEN_UP) {
      return outcome;
    }

    pending.then(async (value) => {
      log.warn({operation, timeout}, 'a store operation given up on completed after all');
      await onLateResult?.(value);
    }).catch((error: unknown) => {
      // A transaction rolled back because it was given up on fails with the error its caller got.
      if (error !== reason) {
        log.warn({error: serializeError(error), operation, timeout}, 'a store operation given up on failed later');
      }
    });

    givenUp.abort(reason);

    throw reason;
  };
};
