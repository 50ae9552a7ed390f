import {connect, type NatsConnection} from 'nats';
import {serializeError} from 'serialize-error';
import {createErrorReporter} from '../../planton/createErrorReporter.ts';
import {createSystemClock} from '../../planton/createSystemClock.ts';
import {Logger} from '../../planton/Logger.ts';
import type {Emitter} from '../../planton/types.ts';
import {type ConnectionRefusalGate, createConnectionRefusalGate} from '../sinks/createConnectionRefusalGate.ts';
import {BrokerConnectionError, SinkRejectedError} from '../sinks/errors.ts';
import type {NatsConnectionEvents, NatsReconnection, NatsServer} from './types.ts';

const log = Logger.child({
  namespace: 'connectNats',
});

/** Milliseconds a single attempt to open a connection may take. */
const CONNECT_TIMEOUT = 5_000;

const clock = createSystemClock();

/** Milliseconds `close()` waits for the server to confirm what was sent before it (acks, naks). */
const FLUSH_TIMEOUT = 2_000;

const flushWithin = async (connection: NatsConnection, timeout: number) => {
  const timer = new AbortController();

  try {
    await Promise.race([connection.flush().catch(() => undefined), clock.sleep(timeout, timer.signal)]);
  } finally {
    timer.abort();
  }
};

export type NatsLink = {
  /** Closes the connection if it was opened here; a `getConnection` still waiting rejects with `SINK_CLOSED`. */
  readonly close: () => Promise<void>;
  /** The connection, once there is one (rejects with `SINK_CLOSED` when `signal` aborts first). While it is reconnecting, the nats client buffers what is sent on it. */
  readonly getConnection: (signal?: AbortSignal) => Promise<NatsConnection>;
  /** Races a call that needs the connection against the server refusing the first one (`SINK_CONNECTION_REFUSED`). */
  readonly refusal: Pick<ConnectionRefusalGate, 'race'>;
};

/**
 * Keeps a connection to NATS. Given a `url`, it opens one without blocking the caller: the first
 * connection is retried every `reconnection.delay` (+ jitter) until the server answers, and once
 * open the nats client reconnects on its own, forever. Should the client still close (an
 * authorization failure, say), a new connection is opened. Given a `connection`, it only watches
 * it. Life and failures are reported on `events`; a refused attempt (nothing listening, an unknown
 * host, an authorization violation) as `SINK_CONNECTION_REFUSED`, once per refusal.
 */
export const connectNats = ({events, name, reconnection = {}, server}: {
  readonly events: Pick<Emitter<NatsConnectionEvents>, 'emit'>;
  readonly name: string;
  readonly reconnection?: NatsReconnection;
  readonly server: NatsServer;
}): NatsLink => {
  const {delay = 250, jitter = 100} = reconnection;
  const abortController = new AbortController();
  let current: NatsConnection | null = null;
  let waiters: Array<{readonly reject: (error: Error) => void; readonly resolve: (connection: NatsConnection) => void}> = [];
  let connections = 0;

  const reportError = createErrorReporter<NatsConnectionEvents>({events, log});
  const refusal = createConnectionRefusalGate({broker: 'NATS', report: (error) => {
    reportError({error}, 'NATS refused the connection; retrying');
  }});

  /** Stops the status iterator of the connection watched now (one of a connection you own must not outlive `close()`). */
  let stopWatching = () => {};
  /** False between a `disconnect` and the `reconnect`: nothing sent then reaches the server, so `close()` does not wait for it. */
  let reachable = true;

  const watch = (connection: NatsConnection) => {
    const statuses = connection.status();

    stopWatching = () => {
      (statuses as {stop?: () => void}).stop?.();
    };

    void (async () => {
      for await (const status of statuses) {
        if (status.type === 'disconnect') {
          reachable = false;
          log.warn({server: String(status.data)}, 'lost the NATS connection; reconnecting');
          events.emit('disconnected', {});
        } else if (status.type === 'reconnect') {
          reachable = true;
          log.debug({server: String(status.data)}, 'reconnected to NATS');
          events.emit('connected', {reconnected: true});
        } else if (status.type === 'error' && !refusal.failed(status.data)) {
          reportError({error: new BrokerConnectionError(status.data)}, 'NATS connection error');
        }
      }
    })().catch((error: unknown) => {
      log.warn({error: serializeError(error)}, 'stopped watching the NATS connection');
    });
  };

  const use = (connection: NatsConnection) => {
    current = connection;
    reachable = true;
    refusal.connected();
    events.emit('connected', {reconnected: connections++ > 0});

    for (const waiter of waiters) {
      waiter.resolve(connection);
    }

    waiters = [];
    watch(connection);
  };

  const open = async (url: string): Promise<void> => {
    while (!abortController.signal.aborted) {
      try {
        const connection = await connect({
          maxReconnectAttempts: -1,
          name,
          reconnect: true,
          reconnectJitter: jitter,
          reconnectTimeWait: delay,
          servers: url,
          timeout: CONNECT_TIMEOUT,
        });

        if (abortController.signal.aborted) {
          await connection.close();

          return;
        }

        use(connection);

        const closedWith = await connection.closed();

        current = null;

        if (abortController.signal.aborted) {
          return;
        }

        if (!refusal.failed(closedWith)) {
          reportError({error: new BrokerConnectionError(closedWith ?? new Error('The connection closed.'))}, 'the NATS client gave up its connection; opening a new one');
        }
      } catch (error) {
        if (!refusal.failed(error)) {
          log.debug({error: serializeError(error)}, 'could not connect to NATS; retrying');
        }
      }

      await clock.sleep(delay + Math.random() * jitter, abortController.signal);
    }
  };

  if (server.connection === undefined) {
    void open(server.url);
  } else {
    use(server.connection);
  }

  return {
    close: async () => {
      if (abortController.signal.aborted) {
        return;
      }

      abortController.abort();
      stopWatching();

      for (const waiter of waiters) {
        waiter.reject(new SinkRejectedError('CLOSED', 'The NATS connection was closed before it was established.'));
      }

      waiters = [];

      // Read once: `open` sets `current` to null when the client closes the connection meanwhile.
      const connection = current;

      if (connection !== null) {
        // The client buffers what is sent and writes it on a microtask, and its close() destroys the
        // socket at once: an ack or nak sent just before would be lost. flush() returns once the
        // server has answered a PING sent after them (bounded: a server that is down answers never).
        if (reachable && !connection.isClosed()) {
          await flushWithin(connection, FLUSH_TIMEOUT);
        }

        if (server.connection === undefined) {
          await connection.close();
        }
      }
    },
    getConnection: async (signal) => {
      if (abortController.signal.aborted || signal?.aborted) {
        throw new SinkRejectedError('CLOSED', 'The NATS connection is closed.');
      }

      if (current !== null) {
        return current;
      }

      return await new Promise<NatsConnection>((resolve, reject) => {
        const waiter = {
          reject: (error: Error) => {
            signal?.removeEventListener('abort', onAbort);
            reject(error);
          },
          resolve: (connection: NatsConnection) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(connection);
          },
        };

        function onAbort () {
          waiters = waiters.filter((candidate) => candidate !== waiter);
          reject(new SinkRejectedError('CLOSED', 'Stopped waiting for the NATS connection.'));
        }

        signal?.addEventListener('abort', onAbort, {once: true});
        waiters.push(waiter);
      });
    },
    refusal,
  };
};
