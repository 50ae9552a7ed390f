/**
 * The RabbitMQ sink and worker against the real broker (PLANTON_TEST_AMQP_URL) and the PostgreSQL
 * server (PLANTON_TEST_DATABASE_URL; PGlite without it): the conformance suite every sink passes,
 * then what is RabbitMQ's own. Every test has its own schema, exchange and queue, so the tests run
 * in parallel. Waits are on events (or, for database state, on a condition) with a 120 s deadline
 * that only fails a test; nothing sleeps.
 */
import {fileURLToPath} from 'node:url';
import test, {type ExecutionContext} from 'ava';
import {sql} from 'slonik';
import {z} from 'zod';
import {encodeSinkMessage} from '../../../src/adapters/sinks/encodeSinkMessage.ts';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import {createRabbitMqSink} from '../../../src/adapters/rabbitmq/createRabbitMqSink.ts';
import {createRabbitMqWorker} from '../../../src/adapters/rabbitmq/createRabbitMqWorker.ts';
import type {RabbitMqSinkConfiguration, RabbitMqWorkerConfiguration} from '../../../src/adapters/rabbitmq/types.ts';
import {countEvents} from '../../helpers/countEvents.ts';
import {createDeferred} from '../../helpers/createManualClock.ts';
import {createTcpProxy} from '../../helpers/createTcpProxy.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {until} from '../../helpers/until.ts';
import {withDeadline} from '../../helpers/withDeadline.ts';
import {countExecutions, countItems} from '../postgres/helpers/items.ts';
import {createSinkTestBed} from '../sinks/helpers/createSinkTestBed.ts';
import {defineSinkConformanceTests} from '../sinks/helpers/defineSinkConformanceTests.ts';
import {spawnHangingWorker} from '../sinks/helpers/spawnHangingWorker.ts';
import {withPort} from '../sinks/helpers/withPort.ts';
import {createAdmin, createBrokerName} from './helpers/rabbitMq.ts';

const HANGING_WORKER = fileURLToPath(new URL('fixtures/hangingWorker.ts', import.meta.url));

requireEnvironment({skipTitle: 'rabbitmq: the RabbitMQ suite needs PLANTON_TEST_AMQP_URL', variable: 'PLANTON_TEST_AMQP_URL'}, defineRabbitMqTests);

function defineRabbitMqTests (amqpUrl: string) {
  const bed = createSinkTestBed();
  const brokerTarget = {host: new URL(amqpUrl).hostname, port: Number(new URL(amqpUrl).port || 5672)};
  const reconnection = {initialDelay: 20, maxDelay: 200};

  /**
   * Per test: the test bed (a schema with `itemCount` items, the dispatching store) and a worker
   * store (as two processes would have), a fresh exchange and queue — all removed afterwards.
   */
  const setUp = async (t: ExecutionContext, itemCount: number) => {
    const context = await bed.setUp(t, itemCount);
    const exchange = createBrokerName();
    const queue = exchange;
    const admin = await createAdmin(amqpUrl);

    context.addCleanUp(async () => {
      await admin.deleteAll({exchanges: [exchange, `${exchange}-dlx`], queues: [queue, `${queue}-dlq`]});
      await admin.close();
    });

    const workerStore = await createPostgresStore<number>({pool: context.pool, reaperInterval: 0, schema: context.schema});

    context.addCleanUp(async () => {
      await workerStore.terminate();
    });

    const startWorker = async (configuration: Partial<RabbitMqWorkerConfiguration<number>> = {}) => {
      const worker = await createRabbitMqWorker<number>({
        exchange,
        prefetch: 50,
        processor: context.processItem,
        queue,
        reconnection,
        routingKey: queue,
        store: workerStore,
        url: amqpUrl,
        ...configuration,
      });

      return {
        ...context.watchWorker(worker),
        consuming: countEvents(worker.events, 'consuming'),
        disconnected: countEvents(worker.events, 'disconnected'),
        worker,
      };
    };

    /** Planton claiming items → the sink → RabbitMQ. */
    const startDispatch = async (configuration: Partial<RabbitMqSinkConfiguration> & {readonly concurrency?: number} = {}) => {
      const {concurrency, ...sinkConfiguration} = configuration;
      const sink = await createRabbitMqSink<number>({
        exchange,
        reconnection,
        routingKey: queue,
        url: amqpUrl,
        ...sinkConfiguration,
      });

      return context.dispatch({concurrency, sink});
    };

    /** Declares the exchange and the queue bound to it, as a worker would (for a worker that does not). */
    const assertQueue = async () => {
      await admin.channel.assertExchange(exchange, 'direct', {durable: true});
      await admin.channel.assertQueue(queue, {durable: true});
      await admin.channel.bindQueue(queue, exchange, queue);
    };

    return {...context, admin, assertQueue, exchange, queue, startDispatch, startWorker};
  };

  type Context = Awaited<ReturnType<typeof setUp>>;

  /** `startWorker` resolved once the worker consumes. */
  const startConsuming = async (context: Context, configuration: Partial<RabbitMqWorkerConfiguration<number>>) => {
    const worker = await context.startWorker(configuration);

    await worker.consuming.until(1);

    return worker;
  };

  defineSinkConformanceTests({
    address: brokerTarget,
    killedWorker: {
      spawn: async (t, {assertQueue, queue}) => {
        // The hanging worker does not declare the queue (nor does its successor): it must outlive the dead one.
        await assertQueue();

        return spawnHangingWorker(t, {environment: {AMQP_URL: amqpUrl, QUEUE: queue}, fixture: HANGING_WORKER});
      },
      startSuccessor: async (context, {concurrency, processor}) => await startConsuming(context, {assertQueue: false, prefetch: concurrency, processor}),
      title: 'a consumer killed mid-processing has its message redelivered and completed once',
    },
    name: 'rabbitmq',
    outage: {
      // Each FAILED execution is one the sink released, except those a worker revived: their
      // publish was confirmed late (counted as such).
      assertBroker: (t, {after, connection}) => {
        const {confirmedLate, failed} = connection.getStats();

        t.true((after.FAILED ?? 0) >= failed - confirmedLate && (after.FAILED ?? 0) <= failed);
      },
      publishTimeout: 500,
      title: 'with the broker unreachable when a batch is dispatched nothing is lost, and once it is back every instruction completes',
    },
    poison: {
      assertRefused: async (t, {admin, queue}) => {
        const deadLettered = createDeferred<string>();

        await admin.channel.consume(`${queue}-dlq`, (message) => {
          if (message !== null) {
            deadLettered.resolve(message.content.toString());
          }
        }, {noAck: true});

        t.is(await withDeadline(deadLettered.promise, 'the dead-lettered poison message'), '{not json');
      },
      content: '{not json',
      publish: async ({admin, exchange, queue}) => {
        await admin.publishRaw(exchange, queue, Buffer.from('{not json'));
      },
      reason: /not a Planton sink message \(not JSON\)/u,
      // Rejected messages go to a dead-letter exchange, and from there to a queue the test reads.
      startWorker: async (context, {concurrency, processor}) => {
        const {admin, exchange, queue} = context;
        const deadLetterExchange = `${exchange}-dlx`;

        await admin.channel.assertExchange(deadLetterExchange, 'fanout', {durable: true});
        await admin.channel.assertQueue(`${queue}-dlq`, {durable: true});
        await admin.channel.bindQueue(`${queue}-dlq`, deadLetterExchange, '');

        return await startConsuming(context, {deadLetterExchange, prefetch: concurrency, processor});
      },
      title: 'a poison message is rejected with a clear error, dead-lettered, and does not block the queue',
    },
    redelivery: {
      // A message not acknowledged goes back to the queue when its consumer closes.
      assertAcknowledged: async (t, {admin, queue}, {worker}) => {
        await worker.close();
        t.is((await admin.channel.checkQueue(queue)).messageCount, 0);
      },
      publish: async ({admin, exchange, queue}, message) => {
        await admin.publishRaw(exchange, queue, encodeSinkMessage(message));
      },
      title: 'a redelivered message of an execution that already completed is acknowledged and not run again',
    },
    setUp,
    startDispatch: async (context, options) => {
      const {connection, errors, sink} = await context.startDispatch(options);

      return {connected: countEvents(sink.events, 'connected'), connection, errors};
    },
    startWorker: async (context, {concurrency, processor}) => await startConsuming(context, {prefetch: concurrency, processor}),
    throughput: {
      dispatchConcurrency: 500,
      title: '5,000 instructions go through RabbitMQ to a consumer and each is completed exactly once',
    },
    url: amqpUrl,
  });

  test('rabbitmq: the sink reconnects on its own after losing its connection and publishes again', async (t) => {
    const {admin, assertQueue, exchange, queue} = await setUp(t, 0);
    const proxy = await createTcpProxy(brokerTarget);
    const sink = await createRabbitMqSink({exchange, publishTimeout: 30_000, reconnection: {initialDelay: 20, maxDelay: 100}, routingKey: queue, url: withPort(amqpUrl, proxy.port)});
    const connected = countEvents(sink.events, 'connected');
    const disconnected = countEvents(sink.events, 'disconnected');

    t.teardown(async () => {
      await sink.close();
      await proxy.close();
    });

    await assertQueue();
    await sink.publish({executionId: 1, instruction: 1, taskName: 'items'});
    proxy.setAvailable(false);
    await disconnected.until(1);
    // Made while the broker is away: waits for the reconnection, then is confirmed.
    const publishing = sink.publish({executionId: 2, instruction: 2, taskName: 'items'});

    proxy.setAvailable(true);
    await withDeadline(publishing, 'the publish made during the outage');
    await connected.until(2);

    t.true(connected.payloads[1]?.reconnected);
    t.is((await admin.channel.checkQueue(queue)).messageCount, 2);
  });

  test('rabbitmq: the worker reconnects on its own and resumes consuming; a message whose ack was lost is not run twice', async (t) => {
    const total = 20;
    const {pool, processItem, runs, schema, startDispatch, startWorker} = await setUp(t, total);
    const proxy = await createTcpProxy(brokerTarget);

    t.teardown(async () => {
      await proxy.close();
    });

    const holding = createDeferred<void>();
    const release = createDeferred<void>();
    let held = false;
    const {completed, consuming, disconnected, skipped} = await startWorker({
      processor: async (message, details) => {
        // The first message is held until the connection has been cut and restored.
        if (!held) {
          held = true;
          holding.resolve();
          await release.promise;
        }

        await processItem(message, details);
      },
      url: withPort(amqpUrl, proxy.port),
    });

    await consuming.until(1);
    await startDispatch({concurrency: 5});
    await withDeadline(holding.promise, 'the first message reaches the processor');

    proxy.setAvailable(false);
    await disconnected.until(1);
    proxy.setAvailable(true);
    await consuming.until(2);
    // Completed in the store, but its ack goes to a channel that is gone: the broker redelivers it.
    release.resolve();

    await completed.until(total);
    await skipped.until(1);

    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
    t.true([...runs.values()].every((count) => count === 1));
    t.deepEqual(await countExecutions(pool, schema), [{count: total, state: 'COMPLETED'}]);
  });

  test('rabbitmq: a message no queue takes fails with SINK_UNROUTABLE; an unreachable broker fails with SINK_TIMEOUT', async (t) => {
    const {exchange} = await setUp(t, 0);
    const sink = await createRabbitMqSink({exchange, routingKey: 'nowhere', url: amqpUrl});
    const proxy = await createTcpProxy(brokerTarget);

    proxy.setAvailable(false);

    const unreachable = await createRabbitMqSink({exchange, publishTimeout: 200, routingKey: 'nowhere', url: withPort(amqpUrl, proxy.port)});

    t.teardown(async () => {
      await sink.close();
      await unreachable.close();
      await proxy.close();
    });

    await t.throwsAsync(sink.publish({instruction: 1, taskName: 'items'}), {code: 'SINK_UNROUTABLE'});
    await t.throwsAsync(unreachable.publish({instruction: 1, taskName: 'items'}), {code: 'SINK_TIMEOUT'});
    await sink.close();
    await t.throwsAsync(sink.publish({instruction: 1, taskName: 'items'}), {code: 'SINK_CLOSED'});
  });

  /**
   * A dispatch whose publish of item 1 reaches RabbitMQ only after its timeout (2 s): the sink's channel
   * is opened (a warm-up message for no execution), then the proxy holds every byte, the publish
   * times out and its execution is released (FAILED), and the proxy delivers the held bytes: the
   * broker stores the message and confirms it, late. The task waits an hour after a failure, so
   * the instruction is not claimed again meanwhile.
   */
  const dispatchConfirmedLate = async (t: ExecutionContext, context: Awaited<ReturnType<typeof setUp>>) => {
    const proxy = await createTcpProxy(brokerTarget);

    t.teardown(async () => {
      await proxy.close();
    });

    await context.assertQueue();
    await context.store.registerTask({name: 'items', retryDelay: 3_600_000});

    const sink = await createRabbitMqSink<number>({exchange: context.exchange, publishTimeout: 2_000, reconnection, routingKey: context.queue, url: withPort(amqpUrl, proxy.port)});

    // Until one is confirmed in time (on a loaded machine opening the channel may take longer).
    for (let warmUp = 1; ; warmUp++) {
      try {
        await sink.publish({executionId: 1e9, instruction: 0, taskName: 'items'});

        break;
      } catch (error) {
        if (warmUp === 5) {
          throw error;
        }
      }
    }

    proxy.setBlackHole(true);

    const {connection, errors} = context.dispatch({concurrency: 1, sink});

    await errors.until(1);
    t.like(errors.payloads[0]?.error, {code: 'SINK_PUBLISH_FAILED', sinkCode: 'SINK_TIMEOUT'});
    t.deepEqual(await countExecutions(context.pool, context.schema), [{count: 1, state: 'FAILED'}]);
    proxy.setBlackHole(false);
    await until(() => connection.getStats().confirmedLate === 1, 30_000);

    return {connection};
  };

  test('rabbitmq: a publish confirmed after its timeout is counted, and the worker that receives the message later revives the released execution and completes it once', async (t) => {
    const context = await setUp(t, 1);
    const {connection} = await dispatchConfirmedLate(t, context);
    const {pool, runs, schema} = context;

    t.like(connection.getStats(), {confirmed: 0, confirmedLate: 1, failed: 1});
    t.deepEqual(await countExecutions(pool, schema), [{count: 1, state: 'FAILED'}], 'the dispatcher leaves it released');

    const {completed, skipped} = await startConsuming(context, {processor: context.processItem});

    await completed.until(1);
    await skipped.until(1);
    t.true(skipped.payloads.every(({message}) => message.executionId === 1e9), 'only warm-up messages are skipped');
    t.deepEqual([...runs], [[1, 1]]);
    t.deepEqual(await countItems(pool, schema), {done: 1, duplicated: 0, total: 1});
    t.deepEqual(await countExecutions(pool, schema), [{count: 1, state: 'COMPLETED'}]);
    t.is(await pool.oneFirst(sql.type(z.object({count: z.number()}))`
      SELECT count(*)::int4 AS count FROM ${sql.identifier([schema, 'maintenance_task_instruction_retry'])}
    `), 0, 'the release is not counted as a failed attempt');
  });

  test('rabbitmq: a publish confirmed after its timeout while a worker consumes: the worker revives the released execution and the work is done once', async (t) => {
    const context = await setUp(t, 1);
    const {completed} = await startConsuming(context, {processor: context.processItem});

    await dispatchConfirmedLate(t, context);
    await completed.until(1);
    t.deepEqual([...context.runs], [[1, 1]]);
    t.deepEqual(await countItems(context.pool, context.schema), {done: 1, duplicated: 0, total: 1});
    t.deepEqual(await countExecutions(context.pool, context.schema), [{count: 1, state: 'COMPLETED'}]);
  });
}
