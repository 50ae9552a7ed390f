import {serializeError} from 'serialize-error';
import {Logger} from '../../planton/Logger.ts';
import {ServerUnreachableError, StoreTimeoutError} from '../errors.ts';
import {isConnectionError} from '../../adapters/postgres/isConnectionError.ts';

const log = Logger.child({
  namespace: 'createStoreGuard',
});

export type StoreGuardConfiguration = {
  /** Milliseconds an operation may take before it rejects; `Infinity` waits for ever. */
  readonly timeout: number;
};

/**
 * Runs one store operation: errors that say the database cannot be reached, and an operation that
 * got no answer within `timeout`, reject as `server_unreachable`. `onLateResult` receives the value
 * of an operation that timed out and then succeeded after all: its caller was told it failed, so
 * whatever the operation took (claimed jobs) must be given back there. `run`'s signal aborts when
 * the operation times out, so that it can roll back what has not committed yet.
 */
export type StoreGuard = <T>(operation: string, run: (timedOut: AbortSignal) => Promise<T>, onLateResult?: (value: T) => Promise<void>) => Promise<T>;

const TIMED_OUT = Symbol('timed out');

/**
 * Why a timeout of our own: slonik 49 has none on the client side. Its `statementTimeout` is the
 * server's `statement_timeout`, which never fires when the packets do not arrive, and its
 * `connectionTimeout` covers only opening a connection; a query sent into a network that drops
 * packets (no RST, no FIN) waits for ever. The query cannot be canceled either (slonik exposes no
 * socket and no AbortSignal): it goes on in the background, holding its pool connection until the
 * network heals or the socket dies, and may still complete: the store then rolls back its
 * transaction (`run`'s signal has aborted), or lets it apply late, once, where it is fenced by the
 * job's state and attempt (one that comes after the job moved on changes nothing). The timer is a real one, not the scheduler's clock (it bounds I/O, which a manual
 * clock does not drive), and unref()ed: a query in flight holds a socket, which keeps the process up.
 */
export const createStoreGuard = ({timeout}: StoreGuardConfiguration): StoreGuard => {
  return async (operation, run, onLateResult) => {
    const timedOut = new AbortController();
    const pending = run(timedOut.signal);
    let timer: NodeJS.Timeout | undefined;
    let outcome: Awaited<typeof pending> | typeof TIMED_OUT;

    try {
      outcome = !Number.isFinite(timeout) ? await pending : await Promise.race([
        pending,
        new Promise<typeof TIMED_OUT>((resolve) => {
          timer = setTimeout(resolve, timeout, TIMED_OUT).unref();
        }),
      ]);
    } catch (error) {
      throw isConnectionError(error) ? new ServerUnreachableError(error) : error;
    } finally {
      clearTimeout(timer);
    }

    if (outcome !== TIMED_OUT) {
      return outcome;
    }

    pending.then(async (value) => {
      log.warn({operation, timeout}, 'a store operation completed after it had timed out');
      await onLateResult?.(value);
    }).catch((error: unknown) => {
      log.warn({error: serializeError(error), operation, timeout}, 'a store operation that timed out failed later');
    });

    timedOut.abort();

    throw new ServerUnreachableError(new StoreTimeoutError(operation, timeout));
  };
};
