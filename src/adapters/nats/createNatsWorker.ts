import {AckPolicy, type Consumer, type ConsumerMessages, DeliverPolicy, type JsMsg, nanos, type NatsConnection} from 'nats';
import {serializeError} from 'serialize-error';
import {createEmitter} from '../../planton/createEmitter.ts';
import {createErrorReporter} from '../../planton/createErrorReporter.ts';
import {createListenerErrorHook} from '../../planton/createListenerErrorHook.ts';
import {createSystemClock} from '../../planton/createSystemClock.ts';
import {Logger} from '../../planton/Logger.ts';
import type {TaskInstruction} from '../../planton/types.ts';
import {calculateBackoffDelay} from '../../planton/calculateBackoffDelay.ts';
import {createIntervalLoop} from '../../planton/createIntervalLoop.ts';
import {createSinkMessageHandler, type SinkMessageOutcome} from '../sinks/createSinkMessageHandler.ts';
import {BrokerConnectionError} from '../sinks/errors.ts';
import {connectNats} from './connectNats.ts';
import {ensureStream} from './ensureStream.ts';
import type {NatsWorker, NatsWorkerConfiguration, NatsWorkerEvents} from './types.ts';
import {failOption, isPositiveNumber, validateNatsConfiguration} from './validateNatsConfiguration.ts';

const log = Logger.child({
  namespace: 'createNatsWorker',
});

const DEFAULT_RECONNECTION_DELAY = 250;

/**
 * Milliseconds after a pull was sent during which `close()` lets JetStream's answer arrive before it
 * stops the pull: a message sent to a subscription the client has closed is dropped there and waits
 * out `ackWait`; received, it is given back, available again this much later (so that it does not
 * come back to the same pull). A pull older than this has had its messages. Real time, whatever
 * clock the worker is given: it is the network's.
 */
const PULL_DELIVERY_GRACE = 500;

const realClock = createSystemClock();

/** The longest wait (milliseconds) before the consumer is set up again after a failure. */
const MAXIMUM_SETUP_DELAY = 5_000;

/** Checks every option with the messages the NATS worker always gave (the shared handler checks `processor`, `store`, `heartbeatInterval` and `storeRetry` again, with its own wording). */
const validateConfiguration = <Instruction extends TaskInstruction>(configuration: NatsWorkerConfiguration<Instruction>) => {
  const common = validateNatsConfiguration(configuration);
  const {ackWait = 30_000, concurrency = 10, consumer, expires = 10_000, heartbeatInterval = 10_000, processor, store, storeRetry = {}} = configuration;
  const {initialDelay = 100, maxDelay = 5_000} = storeRetry;

  if (!isPositiveNumber(ackWait)) {
    failOption('ackWait', 'a finite number > 0', ackWait);
  }

  if (!Number.isInteger(concurrency) || concurrency < 1) {
    failOption('concurrency', 'an integer >= 1', concurrency);
  }

  if (typeof consumer !== 'string' || !/^[^\s.*>/\\]+$/u.test(consumer)) {
    failOption('consumer', 'a consumer name (no whitespace, `.`, `*`, `>`, `/` or `\\`)', consumer);
  }

  if (!isPositiveNumber(expires) || expires < 1_000) {
    failOption('expires', 'a finite number >= 1000', expires);
  }

  if (!isPositiveNumber(heartbeatInterval)) {
    failOption('heartbeatInterval', 'a finite number > 0', heartbeatInterval);
  }

  if (!isPositiveNumber(initialDelay)) {
    failOption('storeRetry.initialDelay', 'a finite number > 0', initialDelay);
  }

  if (!isPositiveNumber(maxDelay) || maxDelay < initialDelay) {
    failOption('storeRetry.maxDelay', 'a finite number >= `storeRetry.initialDelay`', maxDelay);
  }

  if (typeof processor !== 'function') {
    failOption('processor', 'a function', processor);
  }

  for (const method of ['completeExecution', 'failExecution', 'heartbeat'] as const) {
    if (typeof store?.[method] !== 'function') {
      failOption('store', `an object with a \`${method}\` function`, store);
    }
  }

  if (store.completeExecutions !== undefined && typeof store.completeExecutions !== 'function') {
    failOption('store', 'an object whose `completeExecutions`, if any, is a function', store);
  }

  return {
    ...common,
    ackWait,
    concurrency,
    consumer,
    expires,
    // JetStream must hear from a busy worker well before `ackWait` runs out.
    keepAliveInterval: Math.min(heartbeatInterval, ackWait / 3),
    storeRetry: {initialDelay, maxDelay},
  };
};

/**
 * Consumes Planton sink messages from a durable JetStream pull consumer, at most `concurrency` at
 * once (it pulls only what it can start). Each message goes through the shared worker logic
 * (`createSinkMessageHandler`), as with RabbitMQ and BullMQ: an execution that already ended is
 * acknowledged and not run (the checks of the messages that arrive together cost one
 * `findNotRunning` read when the store has it); otherwise the processor runs while the execution is
 * heartbeaten, the outcome is recorded (completions grouped into `completeExecutions` statements
 * when the store has it; `failExecution` with the processor's error), and only then the message is
 * acknowledged (`ACK` → `msg.ack()`). A poison message is terminated (`REJECT` → `msg.term()`:
 * never redelivered) and reported as `INVALID_SINK_MESSAGE`; the queue goes on. While the store is
 * unreachable the message is held and the store call retried with a growing delay (`storeRetry`);
 * one still unrecorded when the worker closes is given back with such a delay (`REQUEUE` →
 * `msg.nak(delay)`). Every message held is kept alive with `msg.working()`, so JetStream redelivers
 * only a dead worker's messages. Recovers its connection and consumer on its own.
 */
export const createNatsWorker = async <Instruction extends TaskInstruction = TaskInstruction>(configuration: NatsWorkerConfiguration<Instruction>): Promise<NatsWorker<Instruction>> => {
  const {
    ackWait,
    concurrency,
    consumer: consumerName,
    duplicateWindow,
    ensureStream: shouldEnsureStream,
    expires,
    keepAliveInterval,
    reconnection,
    server,
    storeRetry,
    stream,
    subject,
  } = validateConfiguration(configuration);
  const events = createEmitter<NatsWorkerEvents<Instruction>>(createListenerErrorHook(log));
  const reportError = createErrorReporter<NatsWorkerEvents<Instruction>>({events, log});
  const clock = configuration.clock ?? createSystemClock();
  const handler = createSinkMessageHandler<Instruction>({
    clock,
    completionBatchSize: configuration.completionBatchSize,
    completionConcurrency: configuration.completionConcurrency,
    events,
    heartbeatInterval: keepAliveInterval,
    processor: configuration.processor,
    store: configuration.store,
    storeRetry,
  });
  const reconnectionDelay = reconnection.delay ?? DEFAULT_RECONNECTION_DELAY;
  const abortController = new AbortController();
  /** The messages being handled (held until settled), with the promise that settles each. */
  const handling = new Map<JsMsg, Promise<void>>();
  /** Messages asked for by the pull in progress and not yet received. */
  let reserved = 0;
  let onSlotFreed: (() => void) | null = null;
  /** Called for each message of the pull in progress, and when it ends (see `close`). */
  let onPulled: (() => void) | null = null;
  /** When the pull in progress was sent, in real time (see PULL_DELIVERY_GRACE). */
  let pullSentAt = 0;
  let fetching: ConsumerMessages | null = null;

  /** Tells JetStream the worker still works on every message it holds (processor running, store retried, a copy waiting for another). */
  const keepAlive = createIntervalLoop({
    clock,
    interval: keepAliveInterval,
    run: async () => {
      for (const delivery of handling.keys()) {
        try {
          delivery.working();
        } catch (error) {
          log.warn({error: serializeError(error), seq: delivery.seq}, 'could not tell JetStream a message is still being processed');
        }
      }
    },
  });

  /** Settles on JetStream (`RELEASE`: given back at once, not handled); if the connection is gone, JetStream redelivers after `ackWait` (and the next run skips it when its execution ended). */
  const settle = (delivery: JsMsg, outcome: SinkMessageOutcome | 'RELEASE') => {
    try {
      if (outcome === 'ACK') {
        delivery.ack();
      } else if (outcome === 'REJECT') {
        delivery.term();
      } else if (outcome === 'REQUEUE') {
        const delay = calculateBackoffDelay({attempt: delivery.info.redeliveryCount - 1, ...storeRetry});

        // While closing, not back before the pull in progress has stopped: it would take it again.
        delivery.nak(abortController.signal.aborted ? Math.max(delay, PULL_DELIVERY_GRACE) : delay);
      } else {
        // RELEASE happens while closing: the same.
        delivery.nak(PULL_DELIVERY_GRACE);
      }
    } catch (error) {
      log.warn({error: serializeError(error), seq: delivery.seq}, 'could not settle a message; JetStream redelivers it');
    }
  };

  const start = (delivery: JsMsg) => {
    const content = Buffer.from(delivery.data.buffer, delivery.data.byteOffset, delivery.data.byteLength);
    // Never rejects.
    const handled = handler.handle(content, {redelivered: delivery.redelivered}).then(({outcome}) => {
      settle(delivery, outcome);
      handling.delete(delivery);
      onSlotFreed?.();
    });

    handling.set(delivery, handled);
  };

  const waitForSlots = async (needed: number) => {
    while (!abortController.signal.aborted && concurrency - handling.size - reserved < needed) {
      await new Promise<void>((resolve) => {
        onSlotFreed = resolve;
      });
      onSlotFreed = null;
    }
  };

  /** Waits (at most until the pull in progress is PULL_DELIVERY_GRACE old) for what JetStream is sending it. */
  const waitForPullDelivery = async () => {
    const remaining = PULL_DELIVERY_GRACE - (realClock.now() - pullSentAt);

    if (fetching === null || reserved === 0 || remaining <= 0) {
      return;
    }

    const timer = new AbortController();
    const graceOver = realClock.sleep(remaining, timer.signal).then(() => true);

    try {
      while (fetching !== null && reserved > 0) {
        const pulled = new Promise<boolean>((resolve) => {
          onPulled = () => {
            resolve(false);
          };
        });

        if (await Promise.race([pulled, graceOver])) {
          break;
        }
      }
    } finally {
      onPulled = null;
      timer.abort();
    }
  };

  const stopPull = async () => {
    await waitForPullDelivery();
    fetching?.stop();
  };

  const link = connectNats({
    events: {emit: (name, payload) => {
      events.emit(name, payload as never);
    }},
    name: `planton-worker:${stream}:${consumerName}`,
    reconnection,
    server,
  });

  const setUpConsumer = async (connection: NatsConnection): Promise<Consumer> => {
    if (shouldEnsureStream) {
      await ensureStream({connection, duplicateWindow, stream, subject});
    }

    const manager = await connection.jetstreamManager({checkAPI: false});

    // Creates the durable consumer, or updates the editable fields (ack_wait) of an existing one.
    await manager.consumers.add(stream, {
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(ackWait),
      deliver_policy: DeliverPolicy.All,
      durable_name: consumerName,
      filter_subject: subject,
    });

    const consumer = await connection.jetstream().consumers.get(stream, consumerName);

    events.emit('consuming', {consumer: consumerName, stream});

    return consumer;
  };

  /** Pulls as many messages as there are free slots, and again when at least half of them are free. */
  const pull = async (consumer: Consumer) => {
    await waitForSlots(Math.ceil(concurrency / 2));

    if (abortController.signal.aborted) {
      return;
    }

    const batch = concurrency - handling.size - reserved;
    const startedAt = clock.now();
    let received = 0;

    pullSentAt = realClock.now();

    reserved += batch;

    try {
      fetching = await consumer.fetch({expires, max_messages: batch});

      if (abortController.signal.aborted) {
        // Closed while the pull was being set up: what it brings is given back, then it stops.
        void stopPull();
      }

      for await (const delivery of fetching) {
        // After a reconnection the client pulls the batch again: a few more may come than asked for.
        if (++received <= batch) {
          reserved--;
        }

        onPulled?.();

        if (abortController.signal.aborted) {
          // Closing: give it back (PULL_DELIVERY_GRACE later) rather than after `ackWait`.
          settle(delivery, 'RELEASE');
        } else {
          start(delivery);
        }
      }
    } finally {
      reserved -= Math.max(0, batch - received);
      fetching = null;
      onPulled?.();
    }

    // A pull that ended early with nothing (the server refused it): do not spin.
    if (received === 0 && clock.now() - startedAt < expires / 2) {
      await clock.sleep(reconnectionDelay, abortController.signal);
    }
  };

  const consuming = (async () => {
    let consumer: Consumer | null = null;
    let failures = 0;

    while (!abortController.signal.aborted) {
      try {
        const connection = await link.getConnection(abortController.signal);

        consumer ??= await setUpConsumer(connection);
        await pull(consumer);
        failures = 0;
      } catch (error) {
        if (abortController.signal.aborted) {
          return;
        }

        consumer = null;

        reportError({error: new BrokerConnectionError(error)}, 'could not pull from the JetStream consumer; retrying');
        // The stream or consumer deleted, JetStream unavailable: retried with a growing delay.
        await clock.sleep(calculateBackoffDelay({attempt: failures++, initialDelay: reconnectionDelay, maxDelay: MAXIMUM_SETUP_DELAY}), abortController.signal);
      }
    }
  })();

  return {
    close: async () => {
      if (abortController.signal.aborted) {
        return;
      }

      abortController.abort();
      // Store calls still failing give up; their messages are given back (`nak` with a delay).
      handler.close();
      onSlotFreed?.();
      // Messages still arriving for the pull are given back (`nak`) by the loop above.
      await stopPull();
      await consuming;

      while (handling.size > 0) {
        await Promise.all(handling.values());
      }

      await keepAlive.stop();
      await link.close();
    },
    events,
  };
};
