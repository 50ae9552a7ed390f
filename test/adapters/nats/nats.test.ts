import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {fileURLToPath} from 'node:url';
import test, {type ExecutionContext} from 'ava';
import {sql} from 'slonik';
import {z} from 'zod';
import {connectSink} from '../../../src/adapters/connectSink.ts';
import {encodeSinkMessage} from '../../../src/adapters/encodeSinkMessage.ts';
import {createNatsSink} from '../../../src/adapters/nats/createNatsSink.ts';
import {createNatsWorker} from '../../../src/adapters/nats/createNatsWorker.ts';
import type {NatsSinkConfiguration, NatsWorkerConfiguration} from '../../../src/adapters/nats/types.ts';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import type {SinkMessage, WorkerStore} from '../../../src/adapters/sinkTypes.ts';
import {createPlanton, type ErrorEvent} from '../../../src/index.ts';
import {createTcpProxy} from '../../helpers/createTcpProxy.ts';
import {type Backend, createBackends, createItems, createSchemaName, dropSchema, eventually} from '../postgres/helpers/backends.ts';
import {countExecutions, countItems, createItemClaim} from '../postgres/helpers/items.ts';
import type {HangingWorkerMessage} from './fixtures/hangingWorker.ts';
import {countEvents} from '../../helpers/countEvents.ts';
import {createAdmin, createBrokerName, NATS_URL, withPort} from './helpers/nats.ts';

const HANGING_WORKER = fileURLToPath(new URL('fixtures/hangingWorker.ts', import.meta.url));

if (NATS_URL === null) {
  console.log('skipped: set PLANTON_TEST_NATS_URL');
  test('nats: skipped (set PLANTON_TEST_NATS_URL)', (t) => {
    t.pass();
  });
} else {
  defineNatsTests(NATS_URL);
}

function defineNatsTests (natsUrl: string) {
  const {backends, endAll} = createBackends();
  // The server when PLANTON_TEST_DATABASE_URL is set, else PGlite.
  const backend = backends.at(-1) as {readonly get: () => Promise<Backend>};
  const reconnection = {delay: 20, jitter: 20};
  const natsTarget = new URL(natsUrl);
  const createNatsProxy = async () => await createTcpProxy({host: natsTarget.hostname, port: Number(natsTarget.port || 4222)});

  test.after.always(async () => {
    await endAll();
  });

  /** Per test: a schema with `itemCount` items, a store, a fresh stream, subject and consumer — all removed afterwards. */
  const setUp = async (t: ExecutionContext, itemCount: number) => {
    const {pool} = await backend.get();
    const schema = createSchemaName();
    const stream = createBrokerName();
    const subject = `${stream}.items`;
    const consumer = `${stream}_worker`;
    const admin = await createAdmin(natsUrl);
    const cleanUps: Array<() => Promise<void>> = [];
    const errors: ErrorEvent[] = [];

    t.teardown(async () => {
      for (const cleanUp of cleanUps.reverse()) {
        await cleanUp();
      }

      await admin.deleteStream(stream);
      await admin.close();
      await dropSchema(pool, schema);
    });

    await createItems(pool, schema, itemCount);

    const store = await createPostgresStore<number>({pool, reaperInterval: 0, schema});

    cleanUps.push(async () => {
      await store.terminate();
    });

    /** The processor: counts each run, so a second run of an item shows in the database. */
    const processItem = async (message: SinkMessage<number>) => {
      await pool.query(sql.type(z.object({}))`
        UPDATE ${sql.identifier([schema, 'item'])} SET processed_count = processed_count + 1 WHERE id = ${message.instruction}
      `);
    };

    const startWorker = async (configuration: Partial<NatsWorkerConfiguration<number>> = {}) => {
      const worker = await createNatsWorker<number>({
        concurrency: 50,
        consumer,
        processor: processItem,
        reconnection,
        store,
        stream,
        subject,
        url: natsUrl,
        ...configuration,
      } as NatsWorkerConfiguration<number>);

      // The worker connects in the background: listeners attached now see every event.
      const consuming = countEvents(worker.events, 'consuming');

      cleanUps.push(async () => {
        await worker.close();
      });

      return {
        completed: countEvents(worker.events, 'completed'),
        connected: countEvents(worker.events, 'connected'),
        consuming: async () => {
          await consuming.until(1);
        },
        disconnected: countEvents(worker.events, 'disconnected'),
        errors: countEvents(worker.events, 'error'),
        skipped: countEvents(worker.events, 'skipped'),
        worker,
      };
    };

    /** Planton claiming items → the sink → JetStream. */
    const startDispatch = async (configuration: Partial<NatsSinkConfiguration> & {readonly concurrency?: number} = {}) => {
      const {concurrency = 500, ...sinkConfiguration} = configuration;
      const sink = await createNatsSink<number>({
        reconnection,
        stream,
        subject,
        url: natsUrl,
        ...sinkConfiguration,
      } as NatsSinkConfiguration);
      const planton = createPlanton<number>({
        getActiveTaskInstructions: store.getActiveTaskInstructions,
        tasks: [{calculateDelay: () => 5, concurrency, name: 'items', schedule: store.createSchedule(createItemClaim(schema))}],
      });
      const connection = connectSink({planton, sink, store});

      planton.events.on('error', (event) => {
        errors.push(event);
      });
      cleanUps.push(async () => {
        await planton.terminate();
        await connection.close();
        await sink.close();
      });

      return {connection, planton, sink};
    };

    return {admin, consumer, errors, pool, schema, startDispatch, startWorker, store, stream, subject};
  };

  const countByState = async (pool: Backend['pool'], schema: string) => {
    return Object.fromEntries((await countExecutions(pool, schema)).map(({count, state}) => [state, count])) as Record<string, number | undefined>;
  };

  // Serial: runs before the concurrent tests of this file, so its duration says something.
  test.serial('nats: 5,000 instructions go through JetStream to a consumer and each is completed exactly once', async (t) => {
    t.timeout(180_000);

    const total = 5_000;
    const {errors, pool, schema, startDispatch, startWorker} = await setUp(t, total);
    const runs = new Map<number, number>();
    const {completed, consuming, errors: workerErrors} = await startWorker({
      processor: async (message) => {
        runs.set(message.instruction, (runs.get(message.instruction) ?? 0) + 1);
        await pool.query(sql.type(z.object({}))`
          UPDATE ${sql.identifier([schema, 'item'])} SET processed_count = processed_count + 1 WHERE id = ${message.instruction}
        `);
      },
    });

    await consuming();

    const startedAt = Date.now();
    const {connection} = await startDispatch({concurrency: 500});

    await completed.until(total);
    t.log(`${total} instructions completed in ${Date.now() - startedAt} ms`);

    t.deepEqual(errors, []);
    t.deepEqual(workerErrors.payloads, []);
    t.like(connection.getStats(), {confirmed: total, failed: 0});
    t.is(runs.size, total);
    t.true([...runs.values()].every((count) => count === 1), 'the processor ran each instruction once');
    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
    t.deepEqual(await countExecutions(pool, schema), [{count: total, state: 'COMPLETED'}]);
  });

  test('nats: with the server unreachable when a batch is dispatched nothing is lost, and once it is back every instruction completes', async (t) => {
    const total = 200;
    const concurrency = 50;
    const {errors, pool, schema, startDispatch, startWorker} = await setUp(t, total);
    const proxy = await createNatsProxy();

    t.teardown(async () => {
      await proxy.close();
    });

    const {completed, consuming} = await startWorker();

    await consuming();

    // The sink reaches the server through the proxy, which is down; the consumer reaches it directly.
    proxy.setAvailable(false);

    const {sink} = await startDispatch({concurrency, publishTimeout: 300, url: withPort(natsUrl, proxy.port)});
    const connected = countEvents(sink.events, 'connected');

    // Publishes wait for the connection, fill the task's concurrency and time out: released, not lost.
    await eventually(async () => ((await countByState(pool, schema)).FAILED ?? 0) >= concurrency);

    const duringOutage = await countByState(pool, schema);

    t.is(completed.payloads.length, 0);
    t.true((duringOutage.RUNNING ?? 0) <= concurrency, 'claims stop at the concurrency while nothing is acknowledged');
    t.true(errors.length >= concurrency);
    t.true(errors.every(({error}) => error.code === 'SINK_PUBLISH_FAILED' && (error.cause as {code?: string}).code === 'SINK_TIMEOUT'));

    proxy.setAvailable(true);
    await completed.until(total);
    await connected.until(1);

    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
    // A publish that timed out may still be stored (its acknowledgement came late): its consumer then
    // finds the execution released (skips it), or runs it before the release lands (the item is done,
    // its execution FAILED). Either way nothing is left running and every item was done once.
    t.is((await countByState(pool, schema)).RUNNING, undefined);
  });

  test('nats: publishes made while the connection is down wait for the reconnection and are stored once', async (t) => {
    const total = 100;
    const concurrency = 40;
    const {errors, pool, schema, startDispatch, startWorker} = await setUp(t, total);
    const proxy = await createNatsProxy();

    t.teardown(async () => {
      await proxy.close();
    });

    const {completed, consuming, skipped} = await startWorker();

    await consuming();

    const {connection, sink} = await startDispatch({concurrency, publishTimeout: 120_000, url: withPort(natsUrl, proxy.port)});
    const connected = countEvents(sink.events, 'connected');
    const disconnected = countEvents(sink.events, 'disconnected');

    await connected.until(1);
    proxy.setAvailable(false);
    await disconnected.until(1);
    // Publishes of the first round not acknowledged yet, or of later rounds (the worker still completes), wait for the server.
    await eventually(async () => connection.getStats().inFlight > 0);
    proxy.setAvailable(true);
    await completed.until(total);

    t.deepEqual(errors, []);
    t.like(connection.getStats(), {failed: 0, inFlight: 0});
    // Publishes sent again after the reconnection were de-duplicated by message id: no second copy reached the worker.
    t.is(skipped.payloads.length, 0);
    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
    t.deepEqual(await countExecutions(pool, schema), [{count: total, state: 'COMPLETED'}]);
  });

  test('nats: the sink reconnects on its own after losing its connection and publishes again', async (t) => {
    const {admin, stream, subject} = await setUp(t, 0);
    const proxy = await createNatsProxy();
    const sink = await createNatsSink({publishTimeout: 10_000, reconnection, stream, subject, url: withPort(natsUrl, proxy.port)});
    const connected = countEvents(sink.events, 'connected');
    const disconnected = countEvents(sink.events, 'disconnected');

    t.teardown(async () => {
      await sink.close();
      await proxy.close();
    });

    await sink.publish({instruction: 1, taskName: 'items'});
    proxy.setAvailable(false);
    await disconnected.until(1);
    proxy.setAvailable(true);
    await sink.publish({instruction: 2, taskName: 'items'});
    await connected.until(2);

    t.deepEqual(connected.payloads, [{reconnected: false}, {reconnected: true}]);
    t.is(await admin.getMessageCount(stream), 2);
  });

  test('nats: the worker reconnects on its own after losing its connection and consumes again', async (t) => {
    const total = 100;
    const {pool, schema, startDispatch, startWorker} = await setUp(t, total);
    const proxy = await createNatsProxy();

    t.teardown(async () => {
      await proxy.close();
    });

    const {completed, connected, consuming, disconnected} = await startWorker({
      // Messages JetStream sent into the dropped connection come back after `ackWait`.
      ackWait: 2_000,
      concurrency: 5,
      url: withPort(natsUrl, proxy.port),
    });

    await consuming();
    await startDispatch({concurrency: 20});
    await completed.until(20);
    proxy.setAvailable(false);
    await disconnected.until(1);
    proxy.setAvailable(true);
    await completed.until(total);

    t.true(connected.payloads.some(({reconnected}) => reconnected));
    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
    t.deepEqual(await countExecutions(pool, schema), [{count: total, state: 'COMPLETED'}]);
  });

  test('nats: a consumer killed mid-processing has its message redelivered and completed once', async (t) => {
    const ackWait = 2_000;
    const {consumer, pool, schema, startDispatch, startWorker, stream, subject} = await setUp(t, 1);
    const child = spawn(process.execPath, [HANGING_WORKER], {
      env: {...process.env, ACK_WAIT: String(ackWait), CONSUMER: consumer, NATS_URL: natsUrl, STREAM: stream, SUBJECT: subject},
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const messages: HangingWorkerMessage[] = [];
    const received = async (type: HangingWorkerMessage['type']) => await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`The hanging worker did not report "${type}" within 120 s.`));
      }, 120_000);
      const check = () => {
        if (messages.some((message) => message.type === type)) {
          clearTimeout(timer);
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
        clearTimeout(timer);
        reject(new Error(`The hanging worker exited before "${type}".`));
      });
      check();
    });

    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
    });

    await received('consuming');
    await startDispatch({concurrency: 1});
    await received('processing');

    const exited = once(child, 'exit');

    child.kill('SIGKILL');
    t.is((await exited)[1], 'SIGKILL');

    const redeliveries: boolean[] = [];
    const {completed} = await startWorker({
      ackWait,
      processor: async (message, {redelivered}) => {
        redeliveries.push(redelivered);
        await pool.query(sql.type(z.object({}))`
          UPDATE ${sql.identifier([schema, 'item'])} SET processed_count = processed_count + 1 WHERE id = ${message.instruction}
        `);
      },
    });

    await completed.until(1);

    t.deepEqual(messages.find((message) => message.type === 'processing'), {instruction: 1, redelivered: false, type: 'processing'});
    t.deepEqual(redeliveries, [true]);
    t.deepEqual(await countItems(pool, schema), {done: 1, duplicated: 0, total: 1});
    t.deepEqual(await countExecutions(pool, schema), [{count: 1, state: 'COMPLETED'}]);
  });

  test('nats: a poison message is terminated with a clear error and does not block the queue', async (t) => {
    const total = 3;
    const {admin, pool, schema, startDispatch, startWorker, stream, subject} = await setUp(t, total);
    const {completed, consuming, errors} = await startWorker({concurrency: 1});

    await consuming();
    await admin.publishRaw(subject, Buffer.from('{not json'));
    await startDispatch({concurrency: 10});
    await completed.until(total);
    await errors.until(1);

    t.is(errors.payloads.length, 1);
    t.like(errors.payloads[0]?.error, {code: 'INVALID_SINK_MESSAGE', content: '{not json'});
    t.regex(errors.payloads[0]?.error.message ?? '', /not a Planton sink message \(not JSON\)/u);
    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
    // Terminated, not left for redelivery: the work-queue stream is empty.
    await eventually(async () => await admin.getMessageCount(stream) === 0);
    t.pass();
  });

  test('nats: a redelivered message of an execution that already completed is acknowledged and not run again', async (t) => {
    const {admin, schema, startWorker, store, subject} = await setUp(t, 1);
    const processed: unknown[] = [];
    const {consuming, skipped} = await startWorker({
      processor: (message) => {
        processed.push(message);
      },
    });

    await consuming();

    const [execution] = await store.claimExecutions({claim: createItemClaim(schema), limit: 1, taskName: 'items'});

    if (execution === undefined) {
      throw new Error('Nothing was claimed.');
    }

    const executionId = Number(execution.executionId);

    await store.completeExecution({executionId});
    await admin.publishRaw(subject, encodeSinkMessage({executionId, instruction: execution.instruction, taskName: execution.taskName}));
    await skipped.until(1);

    t.deepEqual(skipped.payloads, [{message: {executionId, instruction: 1, taskName: 'items'}}]);
    t.deepEqual(processed, []);
  });

  test('nats: while the store is unreachable the message is held and the check retried with a growing delay, then completed once', async (t) => {
    const {stream, subject} = await setUp(t, 0);
    const sink = await createNatsSink({stream, subject, url: natsUrl});
    let failuresLeft = 2;
    const completions: unknown[] = [];
    const store: WorkerStore = {
      completeExecution: async (reference) => {
        completions.push(reference);
      },
      failExecution: async () => {
        throw new Error('Not expected.');
      },
      heartbeat: async () => {
        if (failuresLeft > 0) {
          failuresLeft--;
          throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        }
      },
    };
    const redeliveries: boolean[] = [];
    const worker = await createNatsWorker({
      consumer: `${stream}_worker`,
      processor: (_message, {redelivered}) => {
        redeliveries.push(redelivered);
      },
      storeRetry: {initialDelay: 50, maxDelay: 100},
      store,
      stream,
      subject,
      url: natsUrl,
    });
    const errors = countEvents(worker.events, 'error');
    const completed = countEvents(worker.events, 'completed');

    t.teardown(async () => {
      await worker.close();
      await sink.close();
    });

    await sink.publish({executionId: 7, instruction: 1, taskName: 'items'});
    await completed.until(1);

    t.is(errors.payloads.length, 2);
    t.true(errors.payloads.every(({error}) => error.code === 'WORKER_STORE_FAILED'));
    t.like(errors.payloads, [{error: {attempt: 1, operation: 'CHECK'}}, {error: {attempt: 2, operation: 'CHECK'}}]);
    // Held by the worker (as with RabbitMQ and BullMQ), not given back to JetStream: delivered once.
    t.deepEqual(redeliveries, [false]);
    t.deepEqual(completions, [{executionId: 7}]);
  });

  test('nats: a message whose execution the store could not check by the time the worker closed is given back then, not after ackWait, and completed by the next worker', async (t) => {
    const {admin, startWorker, stream, subject} = await setUp(t, 0);
    const unreachable = async (): Promise<never> => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {code: 'ECONNREFUSED'});
    };
    const first = await startWorker({
      store: {completeExecution: unreachable, failExecution: unreachable, heartbeat: unreachable},
      storeRetry: {initialDelay: 10, maxDelay: 50},
    });

    await first.consuming();
    await admin.publishRaw(subject, encodeSinkMessage({executionId: 7, instruction: 1, taskName: 'items'}));
    await first.errors.until(2);
    t.like(first.errors.payloads[0]?.error, {code: 'WORKER_STORE_FAILED', operation: 'CHECK'});
    await first.worker.close();

    const closedAt = Date.now();

    t.is(first.completed.payloads.length, 0);

    const redeliveries: boolean[] = [];
    const completions: unknown[] = [];
    // `ackWait` is 30 s: only the first worker's `nak` brings the message back sooner.
    const second = await startWorker({
      processor: (_message, {redelivered}) => {
        redeliveries.push(redelivered);
      },
      store: {
        completeExecution: async (reference) => {
          completions.push(reference);
        },
        failExecution: unreachable,
        heartbeat: async () => undefined,
      },
    });

    await second.completed.until(1);

    t.true(Date.now() - closedAt < 15_000, 'given back, not left to run out its ackWait');
    t.is(redeliveries.length, 1);
    t.deepEqual(completions, [{executionId: 7}]);
    await eventually(async () => await admin.getMessageCount(stream) === 0);
  });

  test('nats: a message held longer than ackWait, while the store is unreachable and then by a slow processor, is kept alive and delivered once', async (t) => {
    const ackWait = 2_000;
    const {admin, consumer, startWorker, stream, subject} = await setUp(t, 0);
    let storeBackAt = Number.POSITIVE_INFINITY;
    let ended = false;
    const store: WorkerStore<number> = {
      completeExecution: async () => {
        ended = true;
      },
      failExecution: async () => {
        throw new Error('Not expected.');
      },
      heartbeat: async () => {
        if (Date.now() < storeBackAt) {
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {code: 'ECONNREFUSED'});
        }

        if (ended) {
          throw Object.assign(new Error('Execution is not running.'), {code: 'EXECUTION_NOT_RUNNING'});
        }
      },
    };
    const redeliveries: boolean[] = [];
    const {completed, consuming, errors, skipped, worker} = await startWorker({
      ackWait,
      processor: async (_message, {redelivered}) => {
        redeliveries.push(redelivered);
        await new Promise((resolve) => {
          setTimeout(resolve, 1.5 * ackWait);
        });
      },
      store,
      storeRetry: {initialDelay: 100, maxDelay: 200},
    });

    await consuming();
    storeBackAt = Date.now() + 1.5 * ackWait;
    await admin.publishRaw(subject, encodeSinkMessage({executionId: 7, instruction: 1, taskName: 'items'}));
    await completed.until(1);
    // A copy JetStream redelivered would wait in this worker for the first one and be skipped by now.
    await worker.close();

    t.deepEqual(redeliveries, [false]);
    t.is(skipped.payloads.length, 0);
    t.true(errors.payloads.length > 0);
    t.true(errors.payloads.every(({error}) => error.code === 'WORKER_STORE_FAILED' && (error as {operation?: string}).operation === 'CHECK'));
    t.is((await admin.manager.consumers.info(stream, consumer)).delivered.consumer_seq, 1);
    await eventually(async () => await admin.getMessageCount(stream) === 0);
  });

  /**
   * `total` executions claimed and stored in JetStream before a worker starts (so that they reach it
   * together), and the PostgreSQL store with its check and completion calls counted.
   */
  const setUpStoredMessages = async (t: ExecutionContext, total: number) => {
    const backend = await setUp(t, total);
    const {schema, store, stream, subject} = backend;
    const sink = await createNatsSink<number>({stream, subject, url: natsUrl});

    t.teardown(async () => {
      await sink.close();
    });

    const executions = await store.claimExecutions({claim: createItemClaim(schema), limit: total, taskName: 'items'});

    t.is(executions.length, total);
    await Promise.all(executions.map(async ({executionId, instruction, taskName}) => {
      await sink.publish({executionId: Number(executionId), instruction, taskName});
    }));

    const calls = {checks: [] as number[], completions: [] as number[], singleCompletions: 0};
    const countingStore: WorkerStore<number> = {
      ...store,
      completeExecution: async (reference) => {
        calls.singleCompletions++;
        await store.completeExecution(reference);
      },
      completeExecutions: async (references) => {
        calls.completions.push(references.length);

        return await store.completeExecutions(references);
      },
      findNotRunning: async (references) => {
        calls.checks.push(references.length);

        return await store.findNotRunning(references);
      },
      heartbeat: async () => {
        throw new Error('Not expected: the PostgreSQL store checks in batches.');
      },
    };

    return {...backend, calls, countingStore};
  };

  test('nats: the checks and completions of the messages that arrive together cost one statement each, not one per message', async (t) => {
    const total = 50;
    const {calls: {checks, completions}, countingStore, pool, schema, startWorker} = await setUpStoredMessages(t, total);
    const {completed} = await startWorker({store: countingStore});

    await completed.until(total);
    t.log(`checks: ${JSON.stringify(checks)}, completions: ${JSON.stringify(completions)}`);

    t.is(checks.reduce((sum, size) => sum + size, 0), total);
    t.is(completions.reduce((sum, size) => sum + size, 0), total);
    t.true(checks.length < total / 2, 'the checks were batched');
    t.true(completions.length < total / 2, 'the completions were batched');
    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
    t.deepEqual(await countExecutions(pool, schema), [{count: total, state: 'COMPLETED'}]);
  });

  test('nats: completionBatchSize caps the completions one statement writes', async (t) => {
    const total = 30;
    const {calls: {completions: batches}, countingStore, pool, schema, startWorker} = await setUpStoredMessages(t, total);
    const {completed} = await startWorker({completionBatchSize: 4, completionConcurrency: 1, concurrency: total, store: countingStore});

    await completed.until(total);
    t.log(`batches: ${JSON.stringify(batches)}`);
    t.is(batches.reduce((sum, size) => sum + size, 0), total);
    t.true(batches.every((size) => size <= 4), 'no statement over completionBatchSize');
    t.true(batches.length < total, 'completions were batched');
    t.deepEqual(await countExecutions(pool, schema), [{count: total, state: 'COMPLETED'}]);
  });

  test('nats: completionBatchSize 1 completes one by one', async (t) => {
    const total = 10;
    const {calls, countingStore, pool, schema, startWorker} = await setUpStoredMessages(t, total);
    const {completed} = await startWorker({completionBatchSize: 1, concurrency: total, store: countingStore});

    await completed.until(total);
    t.deepEqual(calls.completions, []);
    t.is(calls.singleCompletions, total);
    t.deepEqual(await countExecutions(pool, schema), [{count: total, state: 'COMPLETED'}]);
  });

  test('nats: a retried publish of the same execution is stored once', async (t) => {
    const {admin, stream, subject} = await setUp(t, 0);
    const sink = await createNatsSink({stream, subject, url: natsUrl});

    t.teardown(async () => {
      await sink.close();
    });

    await sink.publish({executionId: 1, instruction: 1, taskName: 'items'});
    await sink.publish({executionId: 1, instruction: 1, taskName: 'items'});
    await sink.publish({executionId: 2, instruction: 1, taskName: 'items'});
    // Without an execution id, each publish call is its own message (the instruction may have been claimed again).
    await sink.publish({instruction: 1, taskName: 'items'});
    await sink.publish({instruction: 1, taskName: 'items'});

    t.is(await admin.getMessageCount(stream), 4);
  });

  test('nats: no stream for the subject fails with SINK_UNROUTABLE, another stream with SINK_REJECTED, an unreachable server with SINK_TIMEOUT', async (t) => {
    const {stream, subject} = await setUp(t, 0);
    const unroutable = await createNatsSink({ensureStream: false, stream, subject: `${stream}.nowhere`, url: natsUrl});
    const owner = await createNatsSink({stream, subject, url: natsUrl});
    const proxy = await createNatsProxy();

    proxy.setAvailable(false);

    const unreachable = await createNatsSink({publishTimeout: 200, reconnection, stream, subject, url: withPort(natsUrl, proxy.port)});

    t.teardown(async () => {
      await unroutable.close();
      await owner.close();
      await unreachable.close();
      await proxy.close();
    });

    await owner.publish({executionId: 1, instruction: 1, taskName: 'items'});

    const otherStream = await createNatsSink({ensureStream: false, stream: `${stream}_other`, subject, url: natsUrl});

    t.teardown(async () => {
      await otherStream.close();
    });

    await t.throwsAsync(unroutable.publish({instruction: 1, taskName: 'items'}), {code: 'SINK_UNROUTABLE'});
    await t.throwsAsync(otherStream.publish({instruction: 1, taskName: 'items'}), {code: 'SINK_REJECTED'});
    await t.throwsAsync(unreachable.publish({instruction: 1, taskName: 'items'}), {code: 'SINK_TIMEOUT'});
    await unreachable.close();
    await t.throwsAsync(unreachable.publish({instruction: 1, taskName: 'items'}), {code: 'SINK_CLOSED'});
  });

  test('nats: a sink and a worker on a connection you own use it, and leave it open when closed', async (t) => {
    const {admin, stream, subject} = await setUp(t, 0);
    const {connection} = admin;
    const sink = await createNatsSink({connection, stream, subject});
    const processed: unknown[] = [];
    const worker = await createNatsWorker({
      connection,
      consumer: `${stream}_worker`,
      processor: (message) => {
        processed.push(message);
      },
      store: {completeExecution: async () => undefined, failExecution: async () => undefined, heartbeat: async () => undefined},
      stream,
      subject,
    });
    const completed = countEvents(worker.events, 'completed');

    await sink.publish({executionId: 1, instruction: 'a', taskName: 'items'});
    await completed.until(1);
    await worker.close();
    await sink.close();

    t.deepEqual(processed, [{executionId: 1, instruction: 'a', taskName: 'items'}]);
    t.false(connection.isClosed());
    // The ack reaches the server a moment after the completion was recorded.
    await eventually(async () => await admin.getMessageCount(stream) === 0);
    t.is(await admin.getMessageCount(stream), 0);
  });

  test('nats: two copies of a message for one execution delivered together run the processor once', async (t) => {
    const {stream, subject} = await setUp(t, 0);
    const sink = await createNatsSink({stream, subject, url: natsUrl});
    let running = true;
    let heartbeats = 0;
    const heartbeatWaiters: Array<() => void> = [];
    const store: WorkerStore = {
      completeExecution: async () => {
        running = false;
      },
      failExecution: async () => {
        throw new Error('Not expected.');
      },
      heartbeat: async () => {
        heartbeats++;

        for (const resolve of heartbeatWaiters.splice(0)) {
          resolve();
        }

        if (!running) {
          throw Object.assign(new Error('Execution is not running.'), {code: 'EXECUTION_NOT_RUNNING'});
        }
      },
    };
    const processed: unknown[] = [];

    t.teardown(async () => {
      await sink.close();
    });

    // Without an execution id each publish is its own message: a late copy of a released publish looks like this.
    await sink.publish({instruction: 1, taskName: 'items'});
    await sink.publish({instruction: 1, taskName: 'items'});

    const worker = await createNatsWorker({
      concurrency: 10,
      consumer: `${stream}_worker`,
      // The running message's execution is heartbeaten every 20 ms (after its check, a heartbeat too); the other one waits for it.
      heartbeatInterval: 20,
      processor: async (message) => {
        processed.push(message);

        // Stay busy until both messages are surely in the worker: the second one waits, or (a bug) runs too.
        while (heartbeats < 5) {
          await new Promise<void>((resolve) => {
            heartbeatWaiters.push(resolve);
          });
        }
      },
      store,
      stream,
      subject,
      url: natsUrl,
    });
    const completed = countEvents(worker.events, 'completed');
    const skipped = countEvents(worker.events, 'skipped');

    t.teardown(async () => {
      await worker.close();
    });

    await completed.until(1);
    await skipped.until(1);

    t.deepEqual(processed, [{instruction: 1, taskName: 'items'}]);
  });
}
