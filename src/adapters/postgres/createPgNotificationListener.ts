import pg from 'pg';
import {serializeError} from 'serialize-error';
import {createEmitter} from '../../planton/createEmitter.ts';
import {createErrorReporter} from '../../planton/createErrorReporter.ts';
import {createListenerErrorHook} from '../../planton/createListenerErrorHook.ts';
import {createSystemClock} from '../../planton/createSystemClock.ts';
import type {PlantonError} from '../../planton/errors.ts';
import {Logger} from '../../planton/Logger.ts';
import type {Clock, Emitter} from '../../planton/types.ts';
import {InvalidStoreConfigurationError, StoreBackgroundError, StoreTerminatedError, StoreUnreachableError} from '../errors.ts';
import {isConnectionError} from './isConnectionError.ts';
import type {NotificationListener} from './types.ts';
import {describeValue} from '../../planton/describeValue.ts';

const log = Logger.child({
  namespace: 'createPgNotificationListener',
});

type OnNotification = Parameters<NotificationListener['listen']>[1];

export type PgNotificationListenerEvents = {
  /** The connection is up and listening; `reconnected` is false the first time. */
  readonly connected: {readonly backendPid: number; readonly reconnected: boolean};
  readonly error: {readonly error: PlantonError};
};

export type PgNotificationListenerConfiguration = {
  /**
   * `application_name` of the listening connection (shows in pg_stat_activity).
   * @default 'planton-listener'
   */
  readonly applicationName?: string;
  /**
   * Where time comes from (the reconnection delays).
   * @default the system clock
   */
  readonly clock?: Clock;
  /** The server to listen on, e.g. the pool's `configuration.connectionUri`. */
  readonly connectionUri: string;
  /**
   * Milliseconds to wait before reconnection attempt `attemptNumber` (0, 1, …).
   * @default (attemptNumber) => Math.min(100 * 2 ** attemptNumber, 5_000)
   */
  readonly reconnectDelay?: (attemptNumber: number) => number;
};

export type PgNotificationListener = NotificationListener & {
  readonly events: Emitter<PgNotificationListenerEvents>;
  /** The listening connection's backend process id, or null while disconnected. */
  readonly getBackendPid: () => number | null;
};

type Connection = {
  backendPid: number;
  readonly client: pg.Client;
  readonly listened: Set<string>;
};

const defaultReconnectDelay = (attemptNumber: number) => {
  return Math.min(100 * 2 ** attemptNumber, 5_000);
};

/**
 * LISTENs on a PostgreSQL server through one dedicated `pg` connection (outside any pool: a pooled
 * connection would be reset or handed to someone else). When the connection drops it reconnects by
 * itself with backoff, LISTENs again on every channel, and calls every callback with `RECONNECTED`
 * because notifications sent meanwhile are lost. A `listen` that waits for a connection rejects as
 * soon as the attempt it waits for fails (`STORE_UNREACHABLE` for a wrong address, role or
 * database, the driver's error as `cause`) instead of waiting for ever, and registers nothing; the
 * attempts go on in the background while other channels are listened on.
 *
 * The connection is held only while some channel is listened on: the first `listen` opens it, and
 * the last unlisten (a store's `terminate()` unlistens its subscriptions) closes it, so a listener
 * given to a store holds nothing once the store is terminated, and one shared by several stores
 * stays open while any of them listens. `terminate()` closes it for good.
 */
export const createPgNotificationListener = (configuration: PgNotificationListenerConfiguration): PgNotificationListener => {
  const {applicationName = 'planton-listener', connectionUri, reconnectDelay = defaultReconnectDelay} = configuration;
  const clock = configuration.clock ?? createSystemClock();

  if (typeof connectionUri !== 'string' || connectionUri === '') {
    throw new InvalidStoreConfigurationError('connectionUri', `Expected \`connectionUri\` to be a non-empty string, got \`${describeValue(connectionUri)}\`.`);
  }

  const channels = new Map<string, Set<OnNotification>>();
  const stopController = new AbortController();
  const events = createEmitter<PgNotificationListenerEvents>(createListenerErrorHook(log));
  const reportError = createErrorReporter<PgNotificationListenerEvents>({events, log});

  let current: Connection | null = null;
  let connecting: Promise<void> | null = null;
  let hasConnected = false;
  /** Aborts the wait between two attempts once nothing is listened on any more. */
  let retryWait: AbortController | null = null;
  /** The `listen` calls waiting for a connection: the next failed attempt rejects them. */
  const waiting = new Set<(error: PlantonError) => void>();

  const dispatch = (channel: string, reason: 'NOTIFICATION' | 'RECONNECTED') => {
    for (const onNotification of channels.get(channel) ?? []) {
      onNotification(reason);
    }
  };

  const listenOn = async (connection: Connection, channel: string) => {
    if (!connection.listened.has(channel)) {
      connection.listened.add(channel);
      await connection.client.query(`LISTEN ${connection.client.escapeIdentifier(channel)}`);
    }
  };

  const connectOnce = async (): Promise<Connection> => {
    const client = new pg.Client({application_name: applicationName, connectionString: connectionUri});
    const connection: Connection = {backendPid: 0, client, listened: new Set()};

    const onLost = (error?: Error) => {
      if (current !== connection) {
        return;
      }

      current = null;
      log.warn({error: error ? serializeError(error) : null}, 'listening connection lost; reconnecting');
      void client.end().catch(() => {
        // Already gone.
      });
      void ensureConnected().catch((reconnectError: unknown) => {
        reportError({error: new StoreBackgroundError('LISTEN', reconnectError)}, 'reconnecting failed');
      });
    };

    client.on('error', onLost);
    client.on('end', () => {
      onLost();
    });
    client.on('notification', (message) => {
      dispatch(message.channel, 'NOTIFICATION');
    });

    try {
      await client.connect();

      const {rows} = await client.query<{pid: number}>('SELECT pg_backend_pid() AS pid');

      connection.backendPid = rows[0]?.pid ?? 0;

      for (const channel of channels.keys()) {
        await listenOn(connection, channel);
      }
    } catch (error) {
      void client.end().catch(() => {
        // Never connected.
      });

      throw error;
    }

    return connection;
  };

  /** Nothing to connect for: terminated, or no channel listened on. */
  const isIdle = () => {
    return stopController.signal.aborted || channels.size === 0;
  };

  const connectWithRetries = async () => {
    for (let attemptNumber = 0; !isIdle(); attemptNumber++) {
      try {
        const connection = await connectOnce();

        if (isIdle()) {
          await connection.client.end();

          return;
        }

        current = connection;

        const reconnected = hasConnected;

        hasConnected = true;
        events.emit('connected', {backendPid: connection.backendPid, reconnected});

        if (reconnected) {
          for (const channel of channels.keys()) {
            dispatch(channel, 'RECONNECTED');
          }
        }

        return;
      } catch (error) {
        reportError({error: new StoreBackgroundError('LISTEN', error)}, 'connecting the listener failed');

        const failure = isConnectionError(error) ? new StoreUnreachableError(error) : new StoreBackgroundError('LISTEN', error);

        for (const reject of waiting) {
          reject(failure);
        }

        waiting.clear();

        retryWait = new AbortController();
        await clock.sleep(reconnectDelay(attemptNumber), AbortSignal.any([stopController.signal, retryWait.signal]));
        retryWait = null;
      }
    }
  };

  /** Resolves once a connection is up, or nothing is listened on (or the listener is terminated). */
  async function ensureConnected (): Promise<void> {
    // An attempt that just gave up (nothing listened on) may still be settling when a `listen` comes.
    while (!current && !isIdle()) {
      connecting ??= connectWithRetries().finally(() => {
        connecting = null;
      });

      await connecting;
    }
  }

  /** Closes the connection: nothing is listened on any more (the next `listen` opens a new one). */
  const release = async () => {
    retryWait?.abort();

    const connection = current;

    current = null;
    hasConnected = false;
    await connection?.client.end().catch(() => {
      // Already gone.
    });
  };

  return {
    events,
    getBackendPid: () => {
      return current?.backendPid ?? null;
    },
    listen: async (channel, onNotification) => {
      if (stopController.signal.aborted) {
        throw new StoreTerminatedError('Cannot listen: the listener is terminated.');
      }

      const callbacks = channels.get(channel) ?? new Set();

      channels.set(channel, callbacks);
      callbacks.add(onNotification);

      if (!current) {
        try {
          await new Promise<void>((resolve, reject) => {
            waiting.add(reject);
            ensureConnected().then(resolve, reject).finally(() => {
              waiting.delete(reject);
            });
          });
        } catch (error) {
          // Nothing was registered: the caller gets no unlisten function.
          callbacks.delete(onNotification);

          if (callbacks.size === 0 && channels.get(channel) === callbacks) {
            channels.delete(channel);
          }

          if (channels.size === 0) {
            // Nobody listens any more: no attempt after this one (the next `listen` starts again).
            retryWait?.abort();
          }

          throw error;
        }
      }

      const connection = current;

      if (connection) {
        try {
          await listenOn(connection, channel);
        } catch (error) {
          // The connection is dying; the reconnection LISTENs on every channel again.
          reportError({error: new StoreBackgroundError('LISTEN', error)}, 'LISTEN failed');
        }
      }

      return async () => {
        callbacks.delete(onNotification);

        if (callbacks.size > 0 || channels.get(channel) !== callbacks) {
          return;
        }

        channels.delete(channel);

        if (channels.size === 0) {
          await release();

          return;
        }

        const active = current;

        if (active?.listened.delete(channel)) {
          await active.client.query(`UNLISTEN ${active.client.escapeIdentifier(channel)}`).catch((error: unknown) => {
            reportError({error: new StoreBackgroundError('LISTEN', error)}, 'UNLISTEN failed');
          });
        }
      };
    },
    terminate: async () => {
      stopController.abort();
      await connecting;

      const connection = current;

      current = null;
      await connection?.client.end().catch(() => {
        // Already gone.
      });
    },
  };
};
