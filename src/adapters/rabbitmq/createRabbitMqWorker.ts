import type {Channel, ConsumeMessage} from 'amqplib';
import {serializeError} from 'serialize-error';
import {createEmitter} from '../../planton/createEmitter.ts';
import {createListenerErrorHook} from '../../planton/createListenerErrorHook.ts';
import {describeValue} from '../../planton/describeValue.ts';
import {Logger} from '../../planton/Logger.ts';
import type {TaskInstruction} from '../../planton/types.ts';
import {createSinkMessageHandler, type SinkMessageOutcome} from '../sinks/createSinkMessageHandler.ts';
import {InvalidSinkConfigurationError} from '../sinks/errors.ts';
import {closeRabbitMq} from './closeRabbitMq.ts';
import {connectRabbitMq} from './connectRabbitMq.ts';
import type {RabbitMqWorker, RabbitMqWorkerConfiguration, RabbitMqWorkerEvents} from './types.ts';

const log = Logger.child({
  namespace: 'createRabbitMqWorker',
});

/** Milliseconds before a channel the broker closed (the connection still up) is opened again. */
const CHANNEL_REOPEN_DELAY = 250;

const validateConfiguration = <Instruction extends TaskInstruction>(configuration: RabbitMqWorkerConfiguration<Instruction>) => {
  if (typeof configuration !== 'object' || configuration === null) {
    throw new InvalidSinkConfigurationError('configuration', `Expected a configuration object, got \`${describeValue(configuration)}\`.`);
  }

  const {assertQueue = true, deadLetterExchange, exchange, exchangeType = 'direct', prefetch = 10, queue, routingKey = configuration.queue, url} = configuration;

  if (typeof url !== 'string' || url === '') {
    throw new InvalidSinkConfigurationError('url', `Expected \`url\` to be a non-empty string, got \`${describeValue(url)}\`.`);
  }

  if (typeof queue !== 'string' || queue === '') {
    throw new InvalidSinkConfigurationError('queue', `Expected \`queue\` to be a non-empty string, got \`${describeValue(queue)}\`.`);
  }

  if (!Number.isInteger(prefetch) || prefetch < 1 || prefetch > 65_535) {
    throw new InvalidSinkConfigurationError('prefetch', `Expected \`prefetch\` to be an integer from 1 to 65535, got \`${describeValue(prefetch)}\`.`);
  }

  return {assertQueue, deadLetterExchange, exchange, exchangeType, prefetch, queue, routingKey, url};
};

/**
 * Consumes Planton sink messages from a RabbitMQ queue (manual acknowledgement, `prefetch` at a
 * time). Each message goes through the shared worker logic (`createSinkMessageHandler`): an
 * execution that already ended is acknowledged and not run; otherwise the processor runs while the
 * execution is heartbeaten, the outcome is recorded (`completeExecution(s)` / `failExecution`), and
 * only then the message is acknowledged. A poison message is rejected without requeueing
 * (dead-lettered when the queue has a dead-letter exchange) and reported as `INVALID_SINK_MESSAGE`;
 * the queue goes on. While the store is unreachable the message is held and the store call retried
 * with a growing delay. Recovers its connection and consumer on its own.
 */
export const createRabbitMqWorker = async <Instruction extends TaskInstruction = TaskInstruction>(configuration: RabbitMqWorkerConfiguration<Instruction>): Promise<RabbitMqWorker<Instruction>> => {
  const {assertQueue, deadLetterExchange, exchange, exchangeType, prefetch, queue, routingKey, url} = validateConfiguration(configuration);
  const events = createEmitter<RabbitMqWorkerEvents<Instruction>>(createListenerErrorHook(log));
  // Validates processor, store, heartbeatInterval and storeRetry (throws before connecting).
  const handler = createSinkMessageHandler<Instruction>({...configuration, events});
  const handling = new Set<Promise<void>>();
  let channel: Channel | null = null;
  let consumerTag: string | null = null;
  /** Set while a channel is being opened, so a reconnection and a channel reopen never start two consumers. */
  let starting: Promise<void> | null = null;
  let closed = false;

  /** Acks or rejects on the channel the message came from; if that channel is gone, the broker redelivers it (and the next run skips it when its execution ended). */
  const settle = (from: Channel, message: ConsumeMessage, outcome: SinkMessageOutcome) => {
    try {
      if (outcome === 'ACK') {
        from.ack(message);
      } else {
        from.nack(message, false, outcome === 'REQUEUE');
      }
    } catch (error) {
      log.warn({error: serializeError(error)}, 'could not settle a message: its channel closed; the broker redelivers it');
    }
  };

  const onDelivery = (from: Channel, delivery: ConsumeMessage | null) => {
    if (delivery === null) {
      // The broker cancelled the consumer (the queue was deleted); the channel is reopened.
      log.warn({queue}, 'the broker cancelled the consumer');
      void from.close().catch(() => undefined);

      return;
    }

    if (closed) {
      // Closing: left unacknowledged, so closing the connection hands it back to the queue.
      return;
    }

    const handled = handler.handle(delivery.content, {redelivered: delivery.fields.redelivered}).then(({outcome}) => {
      settle(from, delivery, outcome);
    }).finally(() => {
      handling.delete(handled);
    });

    handling.add(handled);
  };

  const {model} = await connectRabbitMq({
    events: {emit: (name, payload) => {
      events.emit(name, payload as never);
    }},
    onConnect: () => {
      ensureConsuming();
    },
    reconnection: configuration.reconnection,
    url,
  });

  function ensureConsuming (): void {
    if (closed || channel !== null || starting !== null) {
      return;
    }

    starting = startConsuming().finally(() => {
      starting = null;
    });
  }

  async function startConsuming (): Promise<void> {
    try {
      const created = await model.createChannel();

      created.on('error', (error: Error) => {
        log.warn({error: serializeError(error)}, 'the consumer channel failed');
      });
      created.on('close', () => {
        if (channel !== created) {
          return;
        }

        channel = null;
        consumerTag = null;

        // Closed by the broker while the connection lives on: reopen. After a connection loss, `onConnect` does.
        setTimeout(ensureConsuming, CHANNEL_REOPEN_DELAY).unref();
      });
      channel = created;
      await created.prefetch(prefetch);

      if (assertQueue) {
        await created.assertQueue(queue, deadLetterExchange === undefined ? {durable: true} : {deadLetterExchange, durable: true});
      }

      if (exchange !== undefined) {
        await created.assertExchange(exchange, exchangeType, {durable: true});
        await created.bindQueue(queue, exchange, routingKey);
      }

      const reply = await created.consume(queue, (delivery) => {
        onDelivery(created, delivery);
      }, {noAck: false});

      consumerTag = reply.consumerTag;
      events.emit('consuming', {queue});
    } catch (error) {
      if (!closed) {
        log.warn({error: serializeError(error)}, 'could not start consuming; retrying');

        if (channel === null) {
          setTimeout(ensureConsuming, CHANNEL_REOPEN_DELAY).unref();
        }
      }
    }
  }

  return {
    close: async () => {
      if (closed) {
        return;
      }

      closed = true;

      if (channel !== null && consumerTag !== null) {
        await channel.cancel(consumerTag).catch(() => undefined);
      }

      // Store calls still failing give up; their messages are requeued.
      handler.close();

      while (handling.size > 0) {
        await Promise.all(handling);
      }

      // Rejects a channel request still waiting for a connection.
      await closeRabbitMq(model);
      await starting;
    },
    events,
  };
};
