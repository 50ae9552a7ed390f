import {fileURLToPath} from 'node:url';
import test, {type ExecutionContext} from 'ava';
import {Queue} from 'bullmq';
import {Redis} from 'ioredis';
import {sql} from 'slonik';
import {z} from 'zod';
import {createBullMqSink} from '../../../src/adapters/bullmq/createBullMqSink.ts';
import {createBullMqWorker} from '../../../src/adapters/bullmq/createBullMqWorker.ts';
import {createJobId} from '../../../src/adapters/bullmq/createJobId.ts';
import type {BullMqSinkConfiguration, BullMqWorkerConfiguration} from '../../../src/adapters/bullmq/types.ts';
import type {PostgresClaim} from '../../../src/adapters/postgres/types.ts';
import {createTcpProxy} from '../../helpers/createTcpProxy.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {until} from '../../helpers/until.ts';
import {withDeadline} from '../../helpers/withDeadline.ts';
import {countExecutions, countItems, createItemClaim} from '../postgres/helpers/items.ts';
import {createSinkTestBed} from '../sinks/helpers/createSinkTestBed.ts';
import {defineSinkConformanceTests} from '../sinks/helpers/defineSinkConformanceTests.ts';
import {spawnHangingWorker} from '../sinks/helpers/spawnHangingWorker.ts';
import {withPort} from '../sinks/helpers/withPort.ts';
import {createQueueNames} from './helpers/redis.ts';

const HANGING_WORKER = fileURLToPath(new URL('fixtures/hangingWorker.ts', import.meta.url));

requireEnvironment({skipTitle: 'bullmq: skipped (set PLANTON_TEST_REDIS_URL)', variable: 'PLANTON_TEST_REDIS_URL'}, defineBullMqTests);

function defineBullMqTests (redisUrl: string) {
  const bed = createSinkTestBed();
  const redisPort = Number(new URL(redisUrl).port || 6379);
  const redisHost = new URL(redisUrl).hostname;
  const reconnection = {initialDelay: 20, maxDelay: 200};

  /** Per test: the test bed (a schema with `itemCount` items, a store), a fresh queue name and key prefix — all removed afterwards. */
  const setUp = async (t: ExecutionContext, itemCount: number) => {
    const context = await bed.setUp(t, itemCount);
    const {prefix, queueName} = createQueueNames();
    const admin = new Redis(redisUrl, {maxRetriesPerRequest: null});
    const queue = new Queue(queueName, {connection: admin, prefix});

    context.addCleanUp(async () => {
      await queue.obliterate({force: true});
      await queue.close();
      admin.disconnect();
    });

    const startWorker = async (configuration: Partial<BullMqWorkerConfiguration<number>> = {}) => {
      const worker = createBullMqWorker<number>({
        concurrency: 20,
        prefix,
        processor: context.processItem,
        queueName,
        reconnection,
        store: context.store,
        url: redisUrl,
        ...configuration,
      });

      const counters = {...context.watchWorker(worker), worker};

      await withDeadline(worker.waitUntilReady(), 'the worker to be ready');

      return counters;
    };

    /** Planton claiming items → connectSink → the BullMQ sink. */
    const startDispatch = (configuration: Partial<BullMqSinkConfiguration> & {readonly claim?: PostgresClaim<number>; readonly concurrency?: number} = {}) => {
      const {claim, concurrency, ...sinkConfiguration} = configuration;
      const sink = createBullMqSink<number>({
        prefix,
        queueName,
        reconnection,
        url: redisUrl,
        ...sinkConfiguration,
      });

      return context.dispatch({claim, concurrency, sink});
    };

    return {...context, prefix, queue, queueName, startDispatch, startWorker};
  };

  // The stalled-job check finds the dead worker's job once its lock expired; the hanging worker and its successor share these.
  const lockDuration = 1_000;
  const stalledInterval = 250;

  defineSinkConformanceTests({
    address: {host: redisHost, port: redisPort},
    killedWorker: {
      spawn: async (t, {prefix, queueName}) => spawnHangingWorker(t, {
        environment: {LOCK_DURATION: String(lockDuration), PREFIX: prefix, QUEUE_NAME: queueName, REDIS_URL: redisUrl, STALLED_INTERVAL: String(stalledInterval)},
        fixture: HANGING_WORKER,
      }),
      startSuccessor: async (context, options) => await context.startWorker({...options, workerOptions: {lockDuration, stalledInterval}}),
      title: 'a worker killed mid-processing has its job recovered and completed once',
    },
    name: 'bullmq',
    outage: {
      publishTimeout: 300,
      title: 'with Redis unreachable when a batch is dispatched nothing is lost, and once it is back every instruction completes',
    },
    poison: {
      assertRefused: async (t, {queue}) => {
        await until(async () => (await queue.getJobCounts('failed')).failed === 1);

        const [failed] = await queue.getJobs(['failed']);

        t.regex(failed?.failedReason ?? '', /^INVALID_SINK_MESSAGE: /u);
        t.is(failed?.attemptsMade, 1);
      },
      content: '{"instruction":{"nested":true},"taskName":"items"}',
      // Valid JSON (BullMQ stores job data as JSON), but not a sink message.
      publish: async ({queue}) => {
        await queue.add('items', {instruction: {nested: true}, taskName: 'items'});
      },
      reason: /not a Planton sink message \(`instruction` is not a string or a finite number\)/u,
      title: 'a poison job fails with a clear coded error and does not block the queue',
    },
    redelivery: {
      assertAcknowledged: async (t, {queue}, {message}) => {
        const jobId = createJobId(message.taskName, message.executionId ?? 0);

        await until(async () => await queue.getJobState(jobId) === 'completed');
        t.is(await queue.getJobState(jobId), 'completed');
      },
      // The job the sink would have added for the execution.
      publish: async ({queue}, message) => {
        await queue.add(message.taskName, message, {jobId: createJobId(message.taskName, message.executionId ?? 0)});
      },
      title: 'a job of an execution that already ended completes without running',
    },
    setUp,
    startDispatch: async (context, options) => {
      const {connection, errors} = context.startDispatch(options);

      // The BullMQ sink reports no connections.
      return {connected: null, connection, errors};
    },
    startWorker: async (context, options) => await context.startWorker(options),
    throughput: {
      assertBroker: async (t, {queue}) => {
        await until(async () => (await queue.getJobCounts('completed')).completed === 5_000);

        // connectSink put each execution's id in its message: the job id is `items/<execution id>`.
        const [job] = await queue.getJobs(['completed'], 0, 0);

        t.regex(job?.id ?? '', /^items\/\d+$/u);
        t.is(job?.id, `items/${String(job?.data.executionId)}`);
      },
      dispatchConcurrency: 1_000,
      markOnClaim: true,
      title: '5,000 instructions go through BullMQ to a worker and each is completed exactly once',
    },
    url: redisUrl,
  });

  test('bullmq: the worker reconnects on its own after losing Redis and takes jobs again', async (t) => {
    const total = 100;
    // Registered first, so closed last (teardowns run in reverse): the worker closes while Redis is reachable.
    const proxy = await createTcpProxy({host: redisHost, port: redisPort});

    t.teardown(async () => {
      await proxy.close();
    });

    const {countByState, pool, schema, startDispatch, startWorker} = await setUp(t, total);

    const {completed} = await startWorker({url: withPort(redisUrl, proxy.port)});

    proxy.setAvailable(false);
    startDispatch({concurrency: 20});
    // The sink stores jobs meanwhile; the worker cannot take them.
    await until(async () => ((await countByState()).RUNNING ?? 0) === 20);
    t.is(completed.payloads.length, 0);

    proxy.setAvailable(true);
    await completed.until(total);

    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
    t.deepEqual(await countExecutions(pool, schema), [{count: total, state: 'COMPLETED'}]);
  });

  test('bullmq: a job whose execution the store could not check by the time the worker closed goes back to the queue without using up an attempt', async (t) => {
    const {queue, schema, startWorker, store} = await setUp(t, 1);
    const unreachable = async (): Promise<never> => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {code: 'ECONNREFUSED'});
    };
    const first = await startWorker({
      retryDelay: 0,
      store: {...store, completeExecutions: store.completeExecutions, findNotRunning: unreachable, heartbeat: unreachable, heartbeatExecutions: unreachable},
      storeRetry: {initialDelay: 10, maxDelay: 50},
    });
    const [execution] = await store.claimExecutions({claim: createItemClaim(schema), limit: 1, taskName: 'items'});

    if (execution === undefined) {
      throw new Error('Nothing was claimed.');
    }

    const executionId = Number(execution.executionId);
    const job = await queue.add('items', {executionId, instruction: 1, taskName: 'items'}, {attempts: 1});

    await first.errors.until(2);
    t.like(first.errors.payloads[0]?.error, {code: 'WORKER_STORE_FAILED', operation: 'CHECK'});
    await first.worker.close();
    t.is(first.completed.payloads.length, 0);

    const requeued = await queue.getJob(job.id ?? '');

    t.is(requeued?.attemptsMade, 0);

    const second = await startWorker();

    await second.completed.until(1);
    t.deepEqual(second.completed.payloads, [{message: {executionId, instruction: 1, taskName: 'items'}}]);
    await until(async () => await queue.getJobState(job.id ?? '') === 'completed');
  });

  test('bullmq: the worker heartbeats an execution while its processor runs', async (t) => {
    const {pool, schema, startDispatch, startWorker, store} = await setUp(t, 1);
    const heartbeats: unknown[] = [];
    let beaten!: () => void;
    const beatenTwice = new Promise<void>((resolve) => {
      beaten = resolve;
    });
    const {completed} = await startWorker({
      heartbeatInterval: 20,
      // The processor runs until three heartbeats came (the check before it reads only).
      processor: async () => {
        await withDeadline(beatenTwice, 'two heartbeats while the processor runs');
      },
      store: {
        ...store,
        completeExecutions: store.completeExecutions,
        heartbeat: async () => {
          throw new Error('Not expected: the PostgreSQL store heartbeats in batches.');
        },
        heartbeatExecutions: async (references) => {
          heartbeats.push(...references);

          if (heartbeats.length >= 3) {
            beaten();
          }

          return await store.heartbeatExecutions(references);
        },
      },
    });

    startDispatch({concurrency: 1});
    await completed.until(1);

    t.true(heartbeats.length >= 3);
    t.true(heartbeats.every((reference) => typeof (reference as {executionId?: unknown}).executionId === 'number'));

    // The item stays eligible (the processor does not mark it), so the dispatcher may have claimed it again since.
    const executions = await countExecutions(pool, schema);

    t.true((executions.find((row) => row.state === 'COMPLETED')?.count ?? 0) >= 1);
    t.deepEqual(executions.filter((row) => row.state !== 'COMPLETED' && row.state !== 'RUNNING'), []);
  });

  test('bullmq: a processor that throws fails the execution (schedulable again) and the job', async (t) => {
    const {pool, queue, schema, startDispatch, startWorker} = await setUp(t, 1);
    let attempts = 0;
    const {completed, failed} = await startWorker({
      processor: async (message) => {
        attempts++;

        if (attempts === 1) {
          throw new Error('the first attempt fails');
        }

        await pool.query(sql.type(z.object({}))`
          UPDATE ${sql.identifier([schema, 'item'])} SET processed_count = processed_count + 1 WHERE id = ${message.instruction}
        `);
      },
    });

    startDispatch({concurrency: 1});
    await completed.until(1);

    t.is(failed.payloads.length, 1);
    t.is((failed.payloads[0]?.error as Error).message, 'the first attempt fails');
    t.deepEqual(await countExecutions(pool, schema), [{count: 1, state: 'COMPLETED'}, {count: 1, state: 'FAILED'}]);
    t.is((await queue.getJobCounts('failed')).failed, 1);
  });

  test('bullmq: an add retried with the same execution is stored once', async (t) => {
    const {prefix, queue, queueName} = await setUp(t, 0);
    const sink = createBullMqSink({prefix, queueName, url: redisUrl});

    t.teardown(async () => {
      await sink.close();
    });

    await sink.publish({executionId: 7, instruction: 'a:b', taskName: 'task: "quoted"/x'});
    await sink.publish({executionId: 7, instruction: 'a:b', taskName: 'task: "quoted"/x'});

    t.is((await queue.getJobCounts('wait')).wait, 1);

    const job = await queue.getJob(createJobId('task: "quoted"/x', 7));

    t.like(job, {data: {executionId: 7, instruction: 'a:b', taskName: 'task: "quoted"/x'}, id: 'task%3A%20%22quoted%22%2Fx/7', name: 'task: "quoted"/x'});
  });

  /** Records the size and outcome of every `addBulk` of the sink's (real) queue; `add` is not expected. */
  const recordAddBulk = (queue: Queue) => {
    const calls: Array<{readonly outcome: 'REJECTED' | 'STORED' | null; readonly size: number}> = [];
    const addBulk = queue.addBulk.bind(queue);
    let rejected!: () => void;
    const firstRejection = new Promise<void>((resolve) => {
      rejected = resolve;
    });

    queue.addBulk = async (jobs) => {
      const call = {outcome: null as 'REJECTED' | 'STORED' | null, size: jobs.length};

      calls.push(call);

      try {
        const added = await addBulk(jobs);

        call.outcome = 'STORED';

        return added;
      } catch (error) {
        call.outcome = 'REJECTED';
        rejected();
        throw error;
      }
    };
    queue.add = async () => {
      throw new Error('Not expected: the sink adds in bulk.');
    };

    return {calls, firstRejection};
  };

  test('bullmq: publishes made in the same tick reach Redis in one addBulk per publishBatchSize jobs, each resolving on its own', async (t) => {
    const total = 2_500;
    const {prefix, queue, queueName} = await setUp(t, 0);
    const sink = createBullMqSink<number>({prefix, publishBatchSize: 1_000, queueName, url: redisUrl});

    t.teardown(async () => {
      await sink.close();
    });

    const {calls} = recordAddBulk(sink.queue);
    const results = await Promise.allSettled(Array.from({length: total}, async (_, index) => {
      await sink.publish({executionId: index + 1, instruction: index + 1, taskName: 'items'});
    }));

    t.true(results.every(({status}) => status === 'fulfilled'));
    t.deepEqual(calls, [{outcome: 'STORED', size: 1_000}, {outcome: 'STORED', size: 1_000}, {outcome: 'STORED', size: 500}]);
    t.is((await queue.getJobCounts('wait')).wait, total);
    t.like(await queue.getJob(createJobId('items', total)), {data: {executionId: total, instruction: total, taskName: 'items'}});
  });

  test('bullmq: a job Redis refuses fails only its own publish, not the others of its group', async (t) => {
    const {prefix, queue, queueName} = await setUp(t, 0);
    const sink = createBullMqSink<string>({jobOptions: {sizeLimit: 200}, prefix, queueName, url: redisUrl});

    t.teardown(async () => {
      await sink.close();
    });

    // Connected: a failure is then a refusal, not a wait for the connection.
    await sink.queue.waitUntilReady();

    const {calls} = recordAddBulk(sink.queue);
    const instructions = ['a', 'x'.repeat(500), 'b', 'c'];
    const results = await Promise.allSettled(instructions.map(async (instruction, index) => {
      await sink.publish({executionId: index + 1, instruction, taskName: 'items'});
    }));

    t.deepEqual(results.map(({status}) => status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    t.like((results[1] as PromiseRejectedResult).reason, {code: 'SINK_REJECTED'});
    t.regex((results[1] as PromiseRejectedResult).reason.message, /exceeds the limit 200 bytes/u);
    // The group, then each job alone.
    t.deepEqual(calls.map(({size}) => size), [4, 1, 1, 1, 1]);
    t.is((await queue.getJobCounts('wait')).wait, 3);
  });

  test('bullmq: publishes made after the connection to Redis was lost are added again, in one group, and stored once when it is back', async (t) => {
    const total = 50;
    const {prefix, queue, queueName} = await setUp(t, 0);
    const proxy = await createTcpProxy({host: redisHost, port: redisPort});
    const sink = createBullMqSink<number>({prefix, publishTimeout: 60_000, queueName, reconnection: {initialDelay: 20, maxDelay: 200}, url: withPort(redisUrl, proxy.port)});

    t.teardown(async () => {
      await sink.close();
      await proxy.close();
    });

    await sink.queue.waitUntilReady();
    // Resets the connection: the next add fails at once (no offline queue) and the group waits for `ready`.
    proxy.setAvailable(false);

    const {calls, firstRejection} = recordAddBulk(sink.queue);
    const results = Promise.allSettled(Array.from({length: total}, async (_, index) => {
      await sink.publish({executionId: index + 1, instruction: index + 1, taskName: 'items'});
    }));

    await withDeadline(firstRejection, 'an add to fail while Redis is unreachable');
    proxy.setAvailable(true);

    t.true((await results).every(({status}) => status === 'fulfilled'));
    t.true(calls.length >= 2);
    t.true(calls.every(({size}) => size === total));
    t.like(calls.at(-1), {outcome: 'STORED'});
    t.is((await queue.getJobCounts('wait')).wait, total);
  });

  test('bullmq: an unreachable Redis fails a publish with SINK_TIMEOUT, a closed sink with SINK_CLOSED', async (t) => {
    const {prefix, queueName} = await setUp(t, 0);
    const proxy = await createTcpProxy({host: redisHost, port: redisPort});

    proxy.setAvailable(false);

    const sink = createBullMqSink({prefix, publishTimeout: 200, queueName, url: withPort(redisUrl, proxy.port)});

    t.teardown(async () => {
      await sink.close();
      await proxy.close();
    });

    await t.throwsAsync(sink.publish({executionId: 1, instruction: 1, taskName: 'items'}), {code: 'SINK_TIMEOUT'});
    await sink.close();
    await t.throwsAsync(sink.publish({executionId: 2, instruction: 2, taskName: 'items'}), {code: 'SINK_CLOSED'});
  });

  test('bullmq: invalid configurations throw INVALID_SINK_CONFIGURATION', (t) => {
    const store = {completeExecution: async () => undefined, failExecution: async () => undefined, heartbeat: async () => undefined};

    t.throws(() => createBullMqSink({queueName: 'q'}), {code: 'INVALID_SINK_CONFIGURATION', message: 'Expected exactly one of `url` and `connection`.'});
    t.throws(() => createBullMqSink({queueName: 'a:b', url: redisUrl}), {code: 'INVALID_SINK_CONFIGURATION'});
    t.throws(() => createBullMqSink({publishTimeout: 0, queueName: 'q', url: redisUrl}), {code: 'INVALID_SINK_CONFIGURATION', message: 'Expected `publishTimeout` to be a finite number > 0, got `0`.'});
    t.throws(() => createBullMqSink({publishBatchSize: 0, queueName: 'q', url: redisUrl}), {code: 'INVALID_SINK_CONFIGURATION', message: 'Expected `publishBatchSize` to be an integer >= 1, got `0`.'});
    t.throws(() => createBullMqSink({publishConcurrency: 1.5, queueName: 'q', url: redisUrl}), {code: 'INVALID_SINK_CONFIGURATION', message: 'Expected `publishConcurrency` to be an integer >= 1, got `1.5`.'});
    t.throws(() => createBullMqWorker({concurrency: 0, processor: () => undefined, queueName: 'q', store, url: redisUrl}), {code: 'INVALID_SINK_CONFIGURATION', message: 'Expected `concurrency` to be an integer >= 1, got `0`.'});
    t.throws(() => createBullMqWorker({processor: () => undefined, queueName: 'q', store: {} as never, url: redisUrl}), {code: 'INVALID_SINK_CONFIGURATION'});
  });
}
