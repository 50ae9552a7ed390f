import {AckPolicy, type Consumer, type ConsumerMessages, DeliverPolicy, type JsMsg, nanos, type NatsConnection} from 'nats';
import {serializeError} from 'serialize-error';
import {createEmitter} from '../../planton/createEmitter.ts';
import {createSystemClock} from '../../planton/createSystemClock.ts';
import type {PlantonError} from '../../planton/errors.ts';
import {Logger} from '../../planton/Logger.ts';
import type {TaskInstruction} from '../../planton/types.ts';
import {calculateBackoffDelay} from '../calculateBackoffDelay.ts';
import {createExecutionBatcher} from '../createExecutionBatcher.ts';
import {parseSinkMessage} from '../parseSinkMessage.ts';
import {BrokerConnectionError, InvalidSinkMessageError, WorkerStoreError} from '../sinkErrors.ts';
import type {SinkMessage} from '../sinkTypes.ts';
import type {ExecutionReference} from '../types.ts';
import {connectNats} from './connectNats.ts';
import {ensureStream} from './ensureStream.ts';
import type {NatsWorker, NatsWorkerConfiguration, NatsWorkerEvents} from './types.ts';
import {failOption, validateNatsConfiguration} from './validateNatsConfiguration.ts';

const log = Logger.child({
  namespace: 'createNatsWorker',
});

const clock = createSystemClock();

const DEFAULT_RECONNECTION_DELAY = 250;

/** The longest wait (milliseconds) before the consumer is set up again after a failure. */
const MAXIMUM_SETUP_DELAY = 5_000;

const isPositiveNumber = (value: unknown): value is number => {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
};

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
    processor,
    storeRetry: {initialDelay, maxDelay},
    store,
  };
};

const isNotRunning = (error: unknown) => {
  return (error as {code?: unknown} | null)?.code === 'EXECUTION_NOT_RUNNING';
};

/**
 * Consumes Planton sink messages from a durable JetStream pull consumer, at most `concurrency` at
 * once (it pulls only what it can start). For each message: checks that its execution still runs
 * (`store.heartbeat`; one that already ended — a redelivery after completion, or a release after
 * an unacknowledged publish — is acknowledged and skipped), runs `processor` while heartbeating the
 * execution and telling JetStream it is working (`msg.working()`), records the outcome
 * (`completeExecution`, or `failExecution` with the processor's error), and only then acknowledges.
 * A poison message is terminated (`msg.term()`: never redelivered) and reported as
 * `INVALID_SINK_MESSAGE`; the queue goes on. When the store cannot be reached, the message is given
 * back with a growing delay (`nak`), never lost. Recovers its connection and consumer on its own.
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
    processor,
    reconnection,
    server,
    store,
    storeRetry,
    stream,
    subject,
  } = validateConfiguration(configuration);
  const events = createEmitter<NatsWorkerEvents<Instruction>>((eventName, _payload, error) => {
    log.error({error: serializeError(error), eventName: String(eventName)}, 'a worker event listener threw');
  });
  const reconnectionDelay = reconnection.delay ?? DEFAULT_RECONNECTION_DELAY;
  const abortController = new AbortController();
  const handling = new Set<Promise<void>>();
  /** Messages asked for by the pull in progress and not yet received. */
  let reserved = 0;
  let onSlotFreed: (() => void) | null = null;
  let fetching: ConsumerMessages | null = null;
  const batcher = store.completeExecutions === undefined ? null : createExecutionBatcher<Instruction>({
    apply: store.completeExecutions,
    maxBatchSize: concurrency,
    maxInFlight: 1,
  });

  /** Records a completion; an execution that already ended is not an error (nothing left to record). */
  const complete = async (reference: ExecutionReference<Instruction>) => {
    if (batcher === null) {
      await store.completeExecution(reference);
    } else {
      await batcher.apply(reference);
    }
  };

  const reportError = (error: PlantonError, message: string) => {
    log.error({error: serializeError(error)}, message);
    events.emit('error', {error});
  };

  /** Acknowledges, gives back (after a delay, or at once: `RELEASE`) or terminates; if the connection is gone, JetStream redelivers after `ackWait` (and the next run skips it when its execution ended). */
  const settle = (message: JsMsg, outcome: 'ACK' | 'NAK' | 'RELEASE' | 'TERM') => {
    try {
      if (outcome === 'ACK') {
        message.ack();
      } else if (outcome === 'NAK') {
        message.nak(calculateBackoffDelay({attempt: message.info.redeliveryCount - 1, ...storeRetry}));
      } else if (outcome === 'RELEASE') {
        message.nak();
      } else {
        message.term();
      }
    } catch (error) {
      log.warn({error: serializeError(error), seq: message.seq}, 'could not settle a message; JetStream redelivers it');
    }
  };

  /** What is being handled per execution reference: the tail of its chain (never rejects). */
  const exclusive = new Map<string, Promise<void>>();

  const runExclusively = async (key: string, task: () => Promise<void>) => {
    const previous = exclusive.get(key);
    const current = (async () => {
      await previous;
      await task();
    })();
    const tail = current.catch(() => undefined);

    exclusive.set(key, tail);

    try {
      await current;
    } finally {
      if (exclusive.get(key) === tail) {
        exclusive.delete(key);
      }
    }
  };

  /** Checks the execution, runs the processor, records the outcome, and only then acknowledges. */
  const run = async (delivery: JsMsg, message: SinkMessage<Instruction>, reference: ExecutionReference<Instruction>) => {
    try {
      await store.heartbeat(reference);
    } catch (error) {
      if (isNotRunning(error)) {
        settle(delivery, 'ACK');
        events.emit('skipped', {message});
      } else {
        settle(delivery, 'NAK');
        reportError(new WorkerStoreError('CHECK', error), 'could not check a message\'s execution');
      }

      return;
    }

    let processorError: {readonly error: unknown} | null = null;

    try {
      await processor(message, {redelivered: delivery.redelivered});
    } catch (error) {
      processorError = {error};
    }

    try {
      if (processorError === null) {
        await complete(reference);
      } else {
        await store.failExecution(reference, processorError.error);
      }
    } catch (error) {
      // Ended meanwhile (the processor completed it in its own transaction, or the reaper terminated it): nothing left to record.
      if (!isNotRunning(error)) {
        settle(delivery, 'NAK');
        reportError(new WorkerStoreError(processorError === null ? 'COMPLETE' : 'FAIL', error), 'could not record a message\'s outcome');

        return;
      }
    }

    settle(delivery, 'ACK');

    if (processorError === null) {
      events.emit('completed', {message});
    } else {
      events.emit('failed', {error: processorError.error, message});
    }
  };

  const handle = async (delivery: JsMsg) => {
    const parsed = parseSinkMessage<Instruction>(Buffer.from(delivery.data.buffer, delivery.data.byteOffset, delivery.data.byteLength));

    if (!parsed.ok) {
      settle(delivery, 'TERM');
      reportError(new InvalidSinkMessageError(parsed.content, parsed.reason), `terminated a poison message (stream sequence ${delivery.seq})`);

      return;
    }

    const {message} = parsed;
    const reference: ExecutionReference<Instruction> = message.executionId === undefined ?
      {instruction: message.instruction, taskName: message.taskName} :
      {executionId: message.executionId};
    const keepAlive = setInterval(() => {
      try {
        delivery.working();
      } catch (error) {
        log.warn({error: serializeError(error)}, 'could not tell JetStream a message is still being processed');
      }

      store.heartbeat(reference).catch((error: unknown) => {
        log.warn({error: serializeError(error), taskName: message.taskName}, 'could not heartbeat an execution being processed');
      });
    }, keepAliveInterval);

    keepAlive.unref();

    try {
      // Messages of the same execution reference (a late copy, a redelivery) run one after the other:
      // the second one's check then finds the execution ended.
      await runExclusively(JSON.stringify([message.taskName, message.executionId ?? null, message.instruction]), async () => {
        await run(delivery, message, reference);
      });
    } finally {
      clearInterval(keepAlive);
    }
  };

  const start = (delivery: JsMsg) => {
    const handled = handle(delivery).catch((error: unknown) => {
      log.error({error: serializeError(error)}, 'handling a message failed unexpectedly');
    }).finally(() => {
      handling.delete(handled);
      onSlotFreed?.();
    });

    handling.add(handled);
  };

  const waitForSlots = async (needed: number) => {
    while (!abortController.signal.aborted && concurrency - handling.size - reserved < needed) {
      await new Promise<void>((resolve) => {
        onSlotFreed = resolve;
      });
      onSlotFreed = null;
    }
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
    const startedAt = Date.now();
    let received = 0;

    reserved += batch;

    try {
      fetching = await consumer.fetch({expires, max_messages: batch});

      if (abortController.signal.aborted) {
        // Closed while the pull was being set up.
        fetching.stop();
      }

      for await (const delivery of fetching) {
        // After a reconnection the client pulls the batch again: a few more may come than asked for.
        if (++received <= batch) {
          reserved--;
        }

        if (abortController.signal.aborted) {
          // Closing: give it back at once rather than after `ackWait`.
          settle(delivery, 'RELEASE');
        } else {
          start(delivery);
        }
      }
    } finally {
      reserved -= Math.max(0, batch - received);
      fetching = null;
    }

    // A pull that ended early with nothing (the server refused it): do not spin.
    if (received === 0 && Date.now() - startedAt < expires / 2) {
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
        reportError(new BrokerConnectionError(error), 'could not pull from the JetStream consumer; retrying');
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
      onSlotFreed?.();
      fetching?.stop();
      await consuming;

      while (handling.size > 0) {
        await Promise.all(handling);
      }

      await link.close();
    },
    events,
  };
};
