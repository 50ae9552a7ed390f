/**
 * The RabbitMQ sink and worker against the real broker (PLANTON_TEST_AMQP_URL) and the PostgreSQL
 * server (PLANTON_TEST_DATABASE_URL; PGlite without it). Every test has its own schema, exchange and
 * queue, so the tests run in parallel. Waits are on events (or, for database state, on a condition)
 * with a 120 s deadline that only fails a test; nothing sleeps.
 */
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {fileURLToPath} from 'node:url';
import test, {type ExecutionContext} from 'ava';
import {sql} from 'slonik';
import {z} from 'zod';
import {connectSink} from '../../../src/adapters/connectSink.ts';
import {encodeSinkMessage} from '../../../src/adapters/encodeSinkMessage.ts';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import {createRabbitMqSink} from '../../../src/adapters/rabbitmq/createRabbitMqSink.ts';
import {createRabbitMqWorker} from '../../../src/adapters/rabbitmq/createRabbitMqWorker.ts';
import type {RabbitMqSinkConfiguration, RabbitMqWorkerConfiguration} from '../../../src/adapters/rabbitmq/types.ts';
import type {SinkMessage} from '../../../src/adapters/sinkTypes.ts';
import {createPlanton} from '../../../src/index.ts';
import {type Backend, createBackends, createItems, createSchemaName, dropSchema} from '../postgres/helpers/backends.ts';
import {countExecutions, countItems, createItemClaim, selectUncompletedInstructions} from '../postgres/helpers/items.ts';
import {createDeferred} from '../../helpers/createManualClock.ts';
import {createTcpProxy} from '../../helpers/createTcpProxy.ts';
import {withDeadline} from '../../helpers/withDeadline.ts';
import type {HangingWorkerMessage} from './fixtures/hangingWorker.ts';
import {countEvents} from '../../helpers/countEvents.ts';
import {AMQP_URL, createAdmin, createBrokerName, withPort} from './helpers/rabbitMq.ts';

const HANGING_WORKER = fileURLToPath(new URL('fixtures/hangingWorker.ts', import.meta.url));

if (AMQP_URL === null) {
  console.log('skipped: set PLANTON_TEST_AMQP_URL');
  // A file without tests fails under ava; a skipped one shows in the summary.
  test.skip('rabbitmq: the RabbitMQ suite needs PLANTON_TEST_AMQP_URL', () => undefined);
} else {
  defineRabbitMqTests(AMQP_URL);
}

function defineRabbitMqTests (amqpUrl: string) {
  const {backends, endAll} = createBackends();
  // The server when PLANTON_TEST_DATABASE_URL is set, else PGlite.
  const backend = backends.at(-1) as {readonly get: () => Promise<Backend>};
  const brokerTarget = {host: new URL(amqpUrl).hostname, port: Number(new URL(amqpUrl).port || 5672)};

  test.after.always(async () => {
    await endAll();
  });

  /**
   * Per test: a schema with `itemCount` items, a dispatching store and a worker store (as two
   * processes would have), a fresh exchange and queue — all removed afterwards.
   */
  const setUp = async (t: ExecutionContext, itemCount: number) => {
    const {pool} = await backend.get();
    const schema = createSchemaName();
    const exchange = createBrokerName();
    const queue = exchange;
    const admin = await createAdmin(amqpUrl);
    const cleanUps: Array<() => Promise<void>> = [];

    t.teardown(async () => {
      for (const cleanUp of cleanUps.reverse()) {
        await cleanUp();
      }

      await admin.deleteAll({exchanges: [exchange, `${exchange}-dlx`], queues: [queue, `${queue}-dlq`]});
      await admin.close();
      await dropSchema(pool, schema);
    });

    await createItems(pool, schema, itemCount);

    const store = await createPostgresStore<number>({pool, reaperInterval: 0, schema});
    const workerStore = await createPostgresStore<number>({pool, reaperInterval: 0, schema});

    cleanUps.push(async () => {
      await store.terminate();
      await workerStore.terminate();
    });

    /** How often the processor ran per instruction. */
    const runs = new Map<number, number>();

    const processItem = async (message: SinkMessage<number>) => {
      runs.set(message.instruction, (runs.get(message.instruction) ?? 0) + 1);
      await pool.query(sql.type(z.object({}))`
        UPDATE ${sql.identifier([schema, 'item'])} SET processed_count = processed_count + 1 WHERE id = ${message.instruction}
      `);
    };

    const startWorker = async (configuration: Partial<RabbitMqWorkerConfiguration<number>> = {}) => {
      const worker = await createRabbitMqWorker<number>({
        exchange,
        prefetch: 50,
        processor: processItem,
        queue,
        reconnection: {initialDelay: 20, maxDelay: 200},
        routingKey: queue,
        store: workerStore,
        url: amqpUrl,
        ...configuration,
      });

      cleanUps.push(async () => {
        await worker.close();
      });

      return {
        completed: countEvents(worker.events, 'completed'),
        consuming: countEvents(worker.events, 'consuming'),
        disconnected: countEvents(worker.events, 'disconnected'),
        errors: countEvents(worker.events, 'error'),
        skipped: countEvents(worker.events, 'skipped'),
        worker,
      };
    };

    /** Planton claiming items → the sink → RabbitMQ. */
    const startDispatch = async (configuration: Partial<RabbitMqSinkConfiguration> & {readonly concurrency?: number} = {}) => {
      const {concurrency = 500, ...sinkConfiguration} = configuration;
      const sink = await createRabbitMqSink<number>({
        exchange,
        reconnection: {initialDelay: 20, maxDelay: 200},
        routingKey: queue,
        url: amqpUrl,
        ...sinkConfiguration,
      });
      const planton = createPlanton<number>({
        getActiveTaskInstructions: store.getActiveTaskInstructions,
        tasks: [{calculateDelay: () => 5, concurrency, name: 'items', schedule: store.createSchedule(createItemClaim(schema))}],
      });
      const errors = countEvents(planton.events, 'error');
      const connection = connectSink({planton, sink, store});

      cleanUps.push(async () => {
        await planton.terminate();
        await sink.close();
        await connection.close();
      });

      return {connection, errors, planton, sink};
    };

    return {admin, exchange, pool, queue, runs, schema, startDispatch, startWorker, store};
  };

  const countByState = async (pool: Backend['pool'], schema: string) => {
    return Object.fromEntries((await countExecutions(pool, schema)).map(({count, state}) => [state, count]));
  };

  test('rabbitmq: 5,000 instructions go through RabbitMQ to a consumer and each is completed exactly once', async (t) => {
    const total = 5_000;
    const {pool, runs, schema, startDispatch, startWorker} = await setUp(t, total);
    const {completed, consuming, errors: workerErrors} = await startWorker();

    await consuming.until(1);

    const started = Date.now();
    const {connection, errors} = await startDispatch({concurrency: 500});

    await completed.until(total);
    t.log(`${total} instructions dispatched, consumed and completed in ${Date.now() - started} ms`);

    t.deepEqual(errors.payloads, []);
    t.deepEqual(workerErrors.payloads, []);
    t.like(connection.getStats(), {confirmed: total, failed: 0});
    t.is(runs.size, total);
    t.true([...runs.values()].every((count) => count === 1), 'the consumer ran each instruction once');
    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
    t.deepEqual(await countExecutions(pool, schema), [{count: total, state: 'COMPLETED'}]);
  });

  test('rabbitmq: with the broker unreachable when a batch is dispatched nothing is lost, and once it is back every instruction completes', async (t) => {
    const total = 200;
    const concurrency = 50;
    const {pool, runs, schema, startDispatch, startWorker} = await setUp(t, total);
    const proxy = await createTcpProxy(brokerTarget);

    t.teardown(async () => {
      await proxy.close();
    });

    const {completed, consuming} = await startWorker();

    await consuming.until(1);

    // The sink reaches the broker through the proxy, which is down; the consumer reaches it directly.
    proxy.setAvailable(false);

    const {connection, errors, sink} = await startDispatch({concurrency, publishTimeout: 500, url: withPort(amqpUrl, proxy.port)});
    const connected = countEvents(sink.events, 'connected');

    // Publishes wait for the connection, fill the task's concurrency, time out and are released
    // (the error event follows the release).
    await errors.until(concurrency);

    const duringOutage = await countByState(pool, schema);

    t.is(completed.payloads.length, 0);
    t.is(connected.payloads.length, 0);
    t.true((duringOutage.FAILED ?? 0) >= concurrency, 'each unconfirmed execution was released');
    t.true((duringOutage.RUNNING ?? 0) <= concurrency, 'claims stop at the concurrency while nothing is confirmed');
    t.true(errors.payloads.every(({error}) => error.code === 'SINK_PUBLISH_FAILED'));
    t.like(errors.payloads[0]?.error, {code: 'SINK_PUBLISH_FAILED', sinkCode: 'SINK_TIMEOUT'});

    proxy.setAvailable(true);
    await completed.until(total);
    await connected.until(1);

    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
    t.true([...runs.values()].every((count) => count === 1));

    const after = await countByState(pool, schema);
    const late = await selectUncompletedInstructions(pool, schema);

    t.is((after.COMPLETED ?? 0) + late.length, total);
    t.true(late.every(({codes}) => codes.length > 0 && codes.every((code) => code === 'SINK_PUBLISH_FAILED')), 'each was released by the sink');
    t.is(after.RUNNING, undefined);
    // Each FAILED execution is one the sink released.
    t.is(after.FAILED, connection.getStats().failed);
  });

  test('rabbitmq: the sink reconnects on its own after losing its connection and publishes again', async (t) => {
    const {admin, exchange, queue} = await setUp(t, 0);
    const proxy = await createTcpProxy(brokerTarget);
    const sink = await createRabbitMqSink({exchange, publishTimeout: 30_000, reconnection: {initialDelay: 20, maxDelay: 100}, routingKey: queue, url: withPort(amqpUrl, proxy.port)});
    const connected = countEvents(sink.events, 'connected');
    const disconnected = countEvents(sink.events, 'disconnected');

    t.teardown(async () => {
      await sink.close();
      await proxy.close();
    });

    await admin.channel.assertExchange(exchange, 'direct', {durable: true});
    await admin.channel.assertQueue(queue, {durable: true});
    await admin.channel.bindQueue(queue, exchange, queue);
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
    const {pool, runs, schema, startDispatch, startWorker} = await setUp(t, total);
    const proxy = await createTcpProxy(brokerTarget);

    t.teardown(async () => {
      await proxy.close();
    });

    const holding = createDeferred<void>();
    const release = createDeferred<void>();
    let held = false;
    const {completed, consuming, disconnected, skipped} = await startWorker({
      processor: async (message) => {
        // The first message is held until the connection has been cut and restored.
        if (!held) {
          held = true;
          holding.resolve();
          await release.promise;
        }

        runs.set(message.instruction, (runs.get(message.instruction) ?? 0) + 1);
        await pool.query(sql.type(z.object({}))`
          UPDATE ${sql.identifier([schema, 'item'])} SET processed_count = processed_count + 1 WHERE id = ${message.instruction}
        `);
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

  test('rabbitmq: a consumer killed mid-processing has its message redelivered and completed once', async (t) => {
    const {admin, exchange, pool, queue, runs, schema, startDispatch, startWorker} = await setUp(t, 1);

    await admin.channel.assertExchange(exchange, 'direct', {durable: true});
    await admin.channel.assertQueue(queue, {durable: true});
    await admin.channel.bindQueue(queue, exchange, queue);

    const child = spawn(process.execPath, [HANGING_WORKER], {
      env: {...process.env, AMQP_URL: amqpUrl, QUEUE: queue},
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const messages: HangingWorkerMessage[] = [];
    const received = async (type: HangingWorkerMessage['type']) => await withDeadline(new Promise<void>((resolve, reject) => {
      const check = () => {
        if (messages.some((message) => message.type === type)) {
          child.off('message', onMessage);
          resolve();
        }
      };
      const onMessage = (message: HangingWorkerMessage) => {
        messages.push(message);
        check();
      };

      child.on('message', onMessage);
      child.once('exit', () => {
        reject(new Error(`The hanging worker exited before "${type}".`));
      });
      check();
    }), `the hanging worker's "${type}"`);

    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
    });

    await received('consuming');

    const {connection} = await startDispatch({concurrency: 1});

    await received('processing');

    const exited = once(child, 'exit');

    child.kill('SIGKILL');
    t.is((await exited)[1], 'SIGKILL');

    const redeliveries: boolean[] = [];
    const {completed} = await startWorker({
      assertQueue: false,
      processor: async (message, {redelivered}) => {
        redeliveries.push(redelivered);
        runs.set(message.instruction, (runs.get(message.instruction) ?? 0) + 1);
        await pool.query(sql.type(z.object({}))`
          UPDATE ${sql.identifier([schema, 'item'])} SET processed_count = processed_count + 1 WHERE id = ${message.instruction}
        `);
      },
    });

    await completed.until(1);

    t.like(messages.find((message) => message.type === 'processing'), {instruction: 1, redelivered: false, type: 'processing'});
    t.is(typeof (messages.find((message) => message.type === 'processing') as {executionId?: unknown} | undefined)?.executionId, 'number', 'the message carries its execution id');
    t.deepEqual(redeliveries, [true]);
    t.like(connection.getStats(), {confirmed: 1, failed: 0});
    t.deepEqual(await countItems(pool, schema), {done: 1, duplicated: 0, total: 1});
    t.deepEqual(await countExecutions(pool, schema), [{count: 1, state: 'COMPLETED'}]);
  });

  test('rabbitmq: a poison message is rejected with a clear error, dead-lettered, and does not block the queue', async (t) => {
    const total = 3;
    const {admin, exchange, pool, queue, schema, startDispatch, startWorker} = await setUp(t, total);
    const deadLetterExchange = `${exchange}-dlx`;
    const deadLetterQueue = `${queue}-dlq`;

    await admin.channel.assertExchange(deadLetterExchange, 'fanout', {durable: true});
    await admin.channel.assertQueue(deadLetterQueue, {durable: true});
    await admin.channel.bindQueue(deadLetterQueue, deadLetterExchange, '');

    const deadLettered = createDeferred<string>();

    await admin.channel.consume(deadLetterQueue, (message) => {
      if (message !== null) {
        deadLettered.resolve(message.content.toString());
      }
    }, {noAck: true});

    // prefetch 1: the poison message comes first, and the valid ones only get through once it is settled.
    const {completed, consuming, errors} = await startWorker({deadLetterExchange, prefetch: 1});

    await consuming.until(1);
    await admin.publishRaw(exchange, queue, Buffer.from('{not json'));
    await startDispatch({concurrency: 10});
    await completed.until(total);
    await errors.until(1);

    t.is(errors.payloads.length, 1);
    t.like(errors.payloads[0]?.error, {code: 'INVALID_SINK_MESSAGE', content: '{not json'});
    t.regex(errors.payloads[0]?.error.message ?? '', /not a Planton sink message \(not JSON\)/u);
    t.is(await withDeadline(deadLettered.promise, 'the dead-lettered poison message'), '{not json');
    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
  });

  test('rabbitmq: a redelivered message of an execution that already completed is acknowledged and not run again', async (t) => {
    const {admin, exchange, queue, schema, startWorker, store} = await setUp(t, 1);
    const processed: unknown[] = [];
    const {consuming, skipped} = await startWorker({
      processor: (message) => {
        processed.push(message);
      },
    });

    await consuming.until(1);

    const [execution] = await store.claimExecutions({claim: createItemClaim(schema), limit: 1, taskName: 'items'});

    if (execution === undefined) {
      throw new Error('Nothing was claimed.');
    }

    const {executionId} = execution;

    await store.completeExecution({executionId});
    await admin.publishRaw(exchange, queue, encodeSinkMessage({executionId, instruction: execution.instruction, taskName: execution.taskName}));
    await skipped.until(1);

    t.deepEqual(skipped.payloads, [{message: {executionId, instruction: 1, taskName: 'items'}}]);
    t.deepEqual(processed, []);
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
}
