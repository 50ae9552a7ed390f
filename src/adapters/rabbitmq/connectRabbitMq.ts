import {connect, type RecoveringChannelModel} from 'amqplib';
import {serializeError} from 'serialize-error';
import {createErrorReporter} from '../../planton/createErrorReporter.ts';
import {Logger} from '../../planton/Logger.ts';
import type {Emitter} from '../../planton/types.ts';
import {type ConnectionRefusalGate, createConnectionRefusalGate} from '../sinks/createConnectionRefusalGate.ts';
import {BrokerConnectionError} from '../sinks/errors.ts';
import type {RabbitMqConnectionEvents, RabbitMqReconnection} from './types.ts';

const log = Logger.child({
  namespace: 'connectRabbitMq',
});

export type RabbitMqLink = {
  readonly model: RecoveringChannelModel;
  /** Races a call that needs the connection against the broker refusing the first one (`SINK_CONNECTION_REFUSED`). */
  readonly refusal: Pick<ConnectionRefusalGate, 'race'>;
};

/**
 * Opens a connection that recovers on its own (amqplib's recovery: exponential backoff with
 * jitter, forever) and reports its life on `events`. Resolves at once, before the first connection:
 * channel requests wait for it. A refused attempt (wrong credentials, a closed port) is reported on
 * `error` as `SINK_CONNECTION_REFUSED` at once, and is retried all the same. `onConnect` runs after
 * every (re)connection.
 */
export const connectRabbitMq = async ({events, onConnect, reconnection = {}, url}: {
  readonly events: Pick<Emitter<RabbitMqConnectionEvents>, 'emit'>;
  readonly onConnect?: () => void;
  readonly reconnection?: RabbitMqReconnection;
  readonly url: string;
}): Promise<RabbitMqLink> => {
  const {initialDelay = 100, maxDelay = 5_000} = reconnection;
  const model = await connect(url, {recovery: {initialDelay, maxDelay, waitForConnect: false}});
  let connections = 0;
  const reportError = createErrorReporter<RabbitMqConnectionEvents>({events, log});
  const refusal = createConnectionRefusalGate({broker: 'RABBITMQ', report: (error) => {
    reportError({error}, 'RabbitMQ refused the connection; retrying');
  }});

  model.on('connect', () => {
    log.debug({reconnected: connections > 0}, 'connected to RabbitMQ');
    refusal.connected();
    events.emit('connected', {reconnected: connections++ > 0});
    onConnect?.();
  });
  model.on('disconnect', (error: Error) => {
    log.warn({error: serializeError(error)}, 'lost the RabbitMQ connection; reconnecting');
    events.emit('disconnected', {error});
  });
  model.on('connect-failed', (error: Error) => {
    if (!refusal.failed(error)) {
      log.debug({error: serializeError(error)}, 'could not connect to RabbitMQ; retrying');
    }
  });
  model.on('error', (error: Error) => {
    reportError({error: new BrokerConnectionError(error)}, 'RabbitMQ connection error');
  });

  return {model, refusal};
};
