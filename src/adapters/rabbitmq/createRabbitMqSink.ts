import {randomUUID} from 'node:crypto';
import type {ConfirmChannel} from 'amqplib';
import {serializeError} from 'serialize-error';
import {createEmitter} from '../../planton/createEmitter.ts';
import {createListenerErrorHook} from '../../planton/createListenerErrorHook.ts';
import {describeValue} from '../../planton/describeValue.ts';
import {Logger} from '../../planton/Logger.ts';
import type {TaskInstruction} from '../../planton/types.ts';
import {createDeadlineQueue} from '../sinks/createDeadlineQueue.ts';
import {encodeSinkMessage} from '../sinks/encodeSinkMessage.ts';
import {InvalidSinkConfigurationError, SinkConnectionRefusedError, SinkRejectedError} from '../sinks/errors.ts';
import type {SinkMessage, SinkPublishOptions} from '../sinks/types.ts';
import {closeRabbitMq} from './closeRabbitMq.ts';
import {connectRabbitMq} from './connectRabbitMq.ts';
import type {RabbitMqConnectionEvents, RabbitMqSink, RabbitMqSinkConfiguration} from './types.ts';

const log = Logger.child({
  namespace: 'createRabbitMqSink',
});

const DEFAULT_PUBLISH_TIMEOUT = 30_000;

const validateConfiguration = (configuration: RabbitMqSinkConfiguration) => {
  if (typeof configuration !== 'object' || configuration === null) {
    throw new InvalidSinkConfigurationError('configuration', `Expected a configuration object, got \`${describeValue(configuration)}\`.`);
  }

  const {
    assertExchange = true,
    exchange,
    exchangeType = 'direct',
    publishTimeout = DEFAULT_PUBLISH_TIMEOUT,
    reconnection,
    routingKey,
    url,
  } = configuration;

  if (typeof url !== 'string' || url === '') {
    throw new InvalidSinkConfigurationError('url', `Expected \`url\` to be a non-empty string, got \`${describeValue(url)}\`.`);
  }

  if (typeof exchange !== 'string') {
    throw new InvalidSinkConfigurationError('exchange', `Expected \`exchange\` to be a string (\`''\` for the default exchange), got \`${describeValue(exchange)}\`.`);
  }

  if (typeof routingKey !== 'string') {
    throw new InvalidSinkConfigurationError('routingKey', `Expected \`routingKey\` to be a string, got \`${describeValue(routingKey)}\`.`);
  }

  if (!Number.isFinite(publishTimeout) || publishTimeout <= 0) {
    throw new InvalidSinkConfigurationError('publishTimeout', `Expected \`publishTimeout\` to be a finite number > 0, got \`${describeValue(publishTimeout)}\`.`);
  }

  return {assertExchange: assertExchange && exchange !== '', exchange, exchangeType, publishTimeout, reconnection, routingKey, url};
};

/**
 * A sink publishing to RabbitMQ: persistent messages on a confirm channel, `mandatory` so that a
 * message no queue takes fails (`SINK_UNROUTABLE`) instead of vanishing. `publish` resolves on the
 * broker's ack; a nack or a channel closed before the ack rejects (`SINK_REJECTED`); no ack within
 * `publishTimeout` rejects (`SINK_TIMEOUT`). The connection recovers on its own after a broker
 * restart; publishes made meanwhile wait for it (within `publishTimeout`). Until the first
 * connection succeeds, a refused one (wrong credentials, a closed port) rejects the publishes at
 * once with `SINK_CONNECTION_REFUSED` (also on `error`) while it is retried.
 */
export const createRabbitMqSink = async <Instruction extends TaskInstruction = TaskInstruction>(configuration: RabbitMqSinkConfiguration): Promise<RabbitMqSink<Instruction>> => {
  const {assertExchange, exchange, exchangeType, publishTimeout, reconnection, routingKey, url} = validateConfiguration(configuration);
  const events = createEmitter<RabbitMqConnectionEvents>(createListenerErrorHook(log));
  const {model, refusal} = await connectRabbitMq({events, reconnection, url});
  /** Message ids the broker returned as unroutable; their ack follows the return. */
  const returned = new Set<string>();
  let channel: ConfirmChannel | null = null;
  let opening: Promise<ConfirmChannel> | null = null;
  let closed = false;

  const openChannel = async (): Promise<ConfirmChannel> => {
    // Waits for the (re)connection.
    const created = await model.createConfirmChannel();

    created.on('error', (error: Error) => {
      log.warn({error: serializeError(error)}, 'the confirm channel failed');
    });
    created.on('close', () => {
      if (channel === created) {
        channel = null;
      }
    });
    created.on('return', (message: {properties: {messageId?: unknown}}) => {
      if (typeof message.properties.messageId === 'string') {
        returned.add(message.properties.messageId);
      }
    });

    if (assertExchange) {
      await created.assertExchange(exchange, exchangeType, {durable: true});
    }

    channel = created;

    return created;
  };

  const getChannel = async (): Promise<ConfirmChannel> => {
    if (channel !== null) {
      return channel;
    }

    opening ??= openChannel().finally(() => {
      opening = null;
    });

    return await opening;
  };

  /** Every publish's timeout behind one timer. */
  const deadlines = createDeadlineQueue(publishTimeout);

  const publish = async (message: SinkMessage<Instruction>, {onLateConfirm}: SinkPublishOptions = {}): Promise<void> => {
    if (closed) {
      throw new SinkRejectedError('CLOSED', 'The sink is closed.');
    }

    const content = encodeSinkMessage(message);
    const messageId = randomUUID();

    await new Promise<void>((resolve, reject) => {
      let settled = false;
      /** Rejected with SINK_TIMEOUT: a confirm that still comes is a late one. */
      let timedOut = false;

      const settle = (error: SinkConnectionRefusedError | SinkRejectedError | null) => {
        if (settled) {
          return;
        }

        settled = true;
        deadline.clear();

        if (error === null) {
          resolve();
        } else {
          reject(error);
        }
      };

      const deadline = deadlines.watch(() => {
        timedOut = !settled;
        settle(new SinkRejectedError('TIMEOUT', `RabbitMQ did not confirm the message within ${publishTimeout} ms.`));
      });

      const publishOn = (confirmChannel: ConfirmChannel) => {
        confirmChannel.publish(exchange, routingKey, content, {
          contentType: 'application/json',
          headers: {'x-planton-task': message.taskName},
          mandatory: true,
          messageId,
          persistent: true,
          timestamp: Math.floor(Date.now() / 1_000),
        }, (error: unknown) => {
          const wasReturned = returned.delete(messageId);

          if (timedOut && !error && !wasReturned) {
            log.info({messageId}, 'RabbitMQ confirmed a message after its publish timed out');

            try {
              onLateConfirm?.();
            } catch (lateConfirmError) {
              log.error({error: serializeError(lateConfirmError)}, 'onLateConfirm threw');
            }

            return;
          }

          if (error) {
            settle(new SinkRejectedError('REJECTED', `RabbitMQ did not take the message: ${error instanceof Error ? error.message : String(error)}`, error));
          } else if (wasReturned) {
            settle(new SinkRejectedError('UNROUTABLE', `RabbitMQ returned the message: no queue is bound to exchange \`${exchange}\` with routing key \`${routingKey}\`.`));
          } else {
            settle(null);
          }
        });
      };

      refusal.race(getChannel()).then((confirmChannel) => {
        if (settled) {
          return;
        }

        try {
          publishOn(confirmChannel);
        } catch (error) {
          // The channel closed between getChannel and publish.
          settle(new SinkRejectedError('REJECTED', `RabbitMQ did not take the message: ${error instanceof Error ? error.message : String(error)}`, error));
        }
      }).catch((error: unknown) => {
        settle(error instanceof SinkConnectionRefusedError && !closed ? error : new SinkRejectedError(closed ? 'CLOSED' : 'REJECTED', `Could not open a RabbitMQ channel: ${error instanceof Error ? error.message : String(error)}`, error));
      });

    });
  };

  return {
    close: async () => {
      if (closed) {
        return;
      }

      closed = true;
      // Closing the connection rejects what still waits for it or for a confirm.
      await closeRabbitMq(model);
    },
    events,
    publish,
  };
};
