import {connect, type RecoveringChannelModel} from 'amqplib';
import {serializeError} from 'serialize-error';
import {createErrorReporter} from '../../planton/createErrorReporter.ts';
import {Logger} from '../../planton/Logger.ts';
import type {Emitter} from '../../planton/types.ts';
import {BrokerConnectionError} from '../sinks/errors.ts';
import type {RabbitMqConnectionEvents, RabbitMqReconnection} from './types.ts';

const log = Logger.child({
  namespace: 'connectRabbitMq',
});

/**
 * Opens a connection that recovers on its own (amqplib's recovery: exponential backoff with
 * jitter, forever) and reports its life on `events`. Resolves at once, before the first connection:
 * channel requests wait for it. `onConnect` runs after every (re)connection.
 */
export const connectRabbitMq = async ({events, onConnect, reconnection = {}, url}: {
  readonly events: Pick<Emitter<RabbitMqConnectionEvents>, 'emit'>;
  readonly onConnect?: () => void;
  readonly reconnection?: RabbitMqReconnection;
  readonly url: string;
}): Promise<RecoveringChannelModel> => {
  const {initialDelay = 100, maxDelay = 5_000} = reconnection;
  const model = await connect(url, {recovery: {initialDelay, maxDelay, waitForConnect: false}});
  let connections = 0;
  const reportError = createErrorReporter<RabbitMqConnectionEvents>({events, log});

  model.on('connect', () => {
    log.debug({reconnected: connections > 0}, 'connected to RabbitMQ');
    events.emit('connected', {reconnected: connections++ > 0});
    onConnect?.();
  });
  model.on('disconnect', (error: Error) => {
    log.warn({error: serializeError(error)}, 'lost the RabbitMQ connection; reconnecting');
    events.emit('disconnected', {error});
  });
  model.on('connect-failed', (error: Error) => {
    log.debug({error: serializeError(error)}, 'could not connect to RabbitMQ; retrying');
  });
  model.on('error', (error: Error) => {
    reportError({error: new BrokerConnectionError(error)}, 'RabbitMQ connection error');
  });

  return model;
};
