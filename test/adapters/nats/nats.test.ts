import {fileURLToPath} from 'node:url';
import test, {type ExecutionContext} from 'ava';
import {encodeSinkMessage} from '../../../src/adapters/sinks/encodeSinkMessage.ts';
import {createNatsSink} from '../../../src/adapters/nats/createNatsSink.ts';
import {createNatsWorker} from '../../../src/adapters/nats/createNatsWorker.ts';
import type {NatsSinkConfiguration, NatsWorkerConfiguration} from '../../../src/adapters/nats/types.ts';
import type {WorkerStore} from '../../../src/adapters/sinks/types.ts';
import {countEvents} from '../../helpers/countEvents.ts';
import {createTcpProxy} from '../../helpers/createTcpProxy.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {until} from '../../helpers/until.ts';
import {countExecutions, countItems, createItemClaim} from '../postgres/helpers/items.ts';
import {createSinkTestBed} from '../sinks/helpers/createSinkTestBed.ts';
import {defineSinkConformanceTests} from '../sinks/helpers/defineSinkConformanceTests.ts';
import {spawnHangingWorker} from '../sinks/helpers/spawnHangingWorker.ts';
import {withPort} from '../sinks/helpers/withPort.ts';
import {createAdmin, createBrokerName} from './helpers/nats.ts';

const HANGING_WORKER = fileURLToPath(new URL('fixtures/hangingWorker.ts', import.meta.url));

requireEnvironment({skipTitle: 'nats: skipped (set PLANTON_TEST_NATS_URL)', variable: 'PLANTON_TEST_NATS_URL'}, defineNatsTests);

function defineNatsTests (natsUrl: string) {
  const bed = createSinkTestBed();
  const reconnection = {delay: 20, jitter: 20};
  const natsTarget = {host: new URL(natsUrl).hostname, port: Number(new URL(natsUrl).port || 4222)};
  const createNatsProxy = async () => await createTcpProxy(natsTarget);

  /** Per test: the test bed (a schema with `itemCount` items, a store), a fresh stream, subject and consumer — all removed afterwards. */
  const setUp = async (t: ExecutionContext, itemCount: number) => {
    const context = await bed.setUp(t, itemCount);
    const stream = createBrokerName();
    const subject = `${stream}.items`;
    const consumer = `${stream}_worker`;
    const admin = await createAdmin(natsUrl);

    context.addCleanUp(async () => {
      await admin.deleteStream(stream);
      await admin.close();
    });

    const startWorker = async (configuration: Partial<NatsWorkerConfiguration<number>> = {}) => {
      const worker = await createNatsWorker<number>({
        concurrency: 50,
        consumer,
        processor: context.processItem,
        reconnection,
        store: context.store,
        stream,
        subject,
        url: natsUrl,
        ...configuration,
      } as NatsWorkerConfiguration<number>);

      // The worker connects in the background: listeners attached now see every event.
      const consuming = countEvents(worker.events, 'consuming');

      return {
        ...context.watchWorker(worker),
        connected: countEvents(worker.events, 'connected'),
        consuming: async () => {
          await consuming.until(1);
        },
        disconnected: countEvents(worker.events, 'disconnected'),
        worker,
      };
    };

    /** Planton claiming items → the sink → JetStream. */
    const startDispatch = async (configuration: Partial<NatsSinkConfiguration> & {readonly concurrency?: number} = {}) => {
      const {concurrency, ...sinkConfiguration} = configuration;
      const sink = await createNatsSink<number>({
        reconnection,
        stream,
        subject,
        url: natsUrl,
        ...sinkConfiguration,
      } as NatsSinkConfiguration);

      return context.dispatch({concurrency, sink});
    };

    return {...context, admin, consumer, startDispatch, startWorker, stream, subject};
  };

  type Context = Awaited<ReturnType<typeof setUp>>;

  /** `startWorker` resolved once the worker consumes. */
  const startConsuming = async (context: Context, configuration: Partial<NatsWorkerConfiguration<number>>) => {
    const worker = await context.startWorker(configuration);

    await worker.consuming();

    return worker;
  };

  /** Waits until JetStream dropped every message of the test's stream (a work queue keeps a message until it is acknowledged or terminated). */
  const assertStreamEmptied = async (t: ExecutionContext, {admin, stream}: Context) => {
    await until(async () => await admin.getMessageCount(stream) === 0);
    t.is(await admin.getMessageCount(stream), 0);
  };

  // The hanging worker and its successor: JetStream redelivers the dead worker's message once this passes without a keep-alive.
  const ackWait = 2_000;

  defineSinkConformanceTests({
    address: natsTarget,
    killedWorker: {
      spawn: async (t, {consumer, stream, subject}) => spawnHangingWorker(t, {
        environment: {ACK_WAIT: String(ackWait), CONSUMER: consumer, NATS_URL: natsUrl, STREAM: stream, SUBJECT: subject},
        fixture: HANGING_WORKER,
      }),
      startSuccessor: async (context, options) => await startConsuming(context, {...options, ackWait}),
      title: 'a consumer killed mid-processing has its message redelivered and completed once',
    },
    name: 'nats',
    outage: {
      publishTimeout: 300,
      title: 'with the server unreachable when a batch is dispatched nothing is lost, and once it is back every instruction completes',
    },
    poison: {
      // Terminated, not left for redelivery.
      assertRefused: async (t, context) => {
        await assertStreamEmptied(t, context);
      },
      content: '{not json',
      publish: async ({admin, subject}) => {
        await admin.publishRaw(subject, Buffer.from('{not json'));
      },
      reason: /not a Planton sink message \(not JSON\)/u,
      title: 'a poison message is terminated with a clear error and does not block the queue',
    },
    redelivery: {
      assertAcknowledged: async (t, context) => {
        await assertStreamEmptied(t, context);
      },
      publish: async ({admin, subject}, message) => {
        await admin.publishRaw(subject, encodeSinkMessage(message));
      },
      title: 'a redelivered message of an execution that already completed is acknowledged and not run again',
    },
    setUp,
    startDispatch: async (context, options) => {
      const {connection, errors, sink} = await context.startDispatch(options);

      return {connected: countEvents(sink.events, 'connected'), connection, errors};
    },
    startWorker: startConsuming,
    throughput: {
      dispatchConcurrency: 500,
      // Serial: runs before the concurrent tests of this file, so its duration says something.
      serial: true,
      timeout: 180_000,
      title: '5,000 instructions go through JetStream to a consumer and each is completed exactly once',
    },
    url: natsUrl,
  });

  test('nats: publishes made while the connection is down wait for the reconnection and are stored once', async (t) => {
    const total = 100;
    const concurrency = 40;
    const {pool, schema, startDispatch, startWorker} = await setUp(t, total);
    const proxy = await createNatsProxy();

    t.teardown(async () => {
      await proxy.close();
    });

    const {completed, consuming, skipped} = await startWorker();

    await consuming();

    const {connection, errors, sink} = await startDispatch({concurrency, publishTimeout: 120_000, url: withPort(natsUrl, proxy.port)});
    const connected = countEvents(sink.events, 'connected');
    const disconnected = countEvents(sink.events, 'disconnected');

    await connected.until(1);
    proxy.setAvailable(false);
    await disconnected.until(1);
    // Publishes of the first round not acknowledged yet, or of later rounds (the worker still completes), wait for the server.
    await until(async () => connection.getStats().inFlight > 0);
    proxy.setAvailable(true);
    await completed.until(total);

    t.deepEqual(errors.payloads, []);
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

  test('nats: a worker closed while JetStream delivers its pull gives those messages back, none waits out ackWait', async (t) => {
    const total = 120;
    const {admin, startWorker, subject} = await setUp(t, 0);
    const completions = new Set<number>();
    const store: WorkerStore<number> = {
      completeExecution: async (reference) => {
        completions.add('executionId' in reference ? reference.executionId : -1);
      },
      failExecution: async () => {
        throw new Error('Not expected: the processor does not throw.');
      },
      heartbeat: async () => undefined,
    };
    // A first worker creates the stream and the consumer.
    const opener = await startWorker({processor: () => undefined, store});

    await opener.consuming();
    await opener.worker.close();

    for (let executionId = 1; executionId <= total; executionId++) {
      await admin.publishRaw(subject, encodeSinkMessage({executionId, instruction: executionId, taskName: 'items'}));
    }

    // Ten workers of 4 slots, each closed 0 to 3 ms after its first completion: by then it has pulled
    // again and JetStream is sending that pull its messages. (The delay only varies the moment of the
    // close; nothing waits on it. Before the worker let a young pull deliver, 2 messages a close were
    // dropped by the stopped subscription and came back only after ackWait.)
    for (let close = 0; close < 10; close++) {
      const {completed, worker} = await startWorker({concurrency: 4, processor: () => undefined, store});

      await completed.until(1);
      await new Promise<void>((resolve) => {
        setTimeout(resolve, close % 4);
      });
      await worker.close();
    }

    const closedAt = Date.now();
    const last = await startWorker({concurrency: 20, processor: () => undefined, store});

    await until(async () => completions.size === total);
    t.true(Date.now() - closedAt < 15_000, `the rest completed ${Date.now() - closedAt} ms after the close, not after ackWait (30 s)`);
    t.is(completions.size, total);
    await last.worker.close();
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

    const redeliveries: boolean[] = [];
    const completions: unknown[] = [];
    // Started (and pulling) before the first closes, so what is timed is the give-back alone, not a
    // start-up on a loaded machine. `ackWait` is 30 s: only the first worker's `nak` brings the
    // message back sooner.
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

    await second.consuming();
    await first.worker.close();

    const closedAt = Date.now();

    t.is(first.completed.payloads.length, 0);
    await second.completed.until(1);

    t.true(Date.now() - closedAt < 15_000, `given back ${Date.now() - closedAt} ms after the close, not left to run out its ackWait (30 s)`);
    t.is(redeliveries.length, 1);
    t.deepEqual(completions, [{executionId: 7}]);
    await until(async () => await admin.getMessageCount(stream) === 0);
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
    await until(async () => await admin.getMessageCount(stream) === 0);
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
    await until(async () => await admin.getMessageCount(stream) === 0);
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
