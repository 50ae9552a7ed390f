import {spawn} from 'node:child_process';
import {once} from 'node:events';
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
import {connectSink} from '../../../src/adapters/connectSink.ts';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import type {PostgresClaim} from '../../../src/adapters/postgres/types.ts';
import type {SinkMessage} from '../../../src/adapters/sinkTypes.ts';
import {createPlanton, type ErrorEvent} from '../../../src/index.ts';
import {createTcpProxy} from '../../helpers/createTcpProxy.ts';
import {type Backend, createBackends, createItems, createSchemaName, dropSchema, eventually} from '../postgres/helpers/backends.ts';
import {countExecutions, countItems, createItemClaim, selectUncompletedInstructions} from '../postgres/helpers/items.ts';
import type {HangingWorkerMessage} from './fixtures/hangingWorker.ts';
import {createQueueNames, REDIS_URL, withPort} from './helpers/redis.ts';
import {countEvents} from '../../helpers/countEvents.ts';
import {withDeadline} from '../../helpers/withDeadline.ts';

const HANGING_WORKER = fileURLToPath(new URL('fixtures/hangingWorker.ts', import.meta.url));

if (REDIS_URL === null) {
  console.log('skipped: set PLANTON_TEST_REDIS_URL');
  test('bullmq: skipped (set PLANTON_TEST_REDIS_URL)', (t) => {
    t.pass();
  });
} else {
  defineBullMqTests(REDIS_URL);
}

function defineBullMqTests (redisUrl: string) {
  const {backends, endAll} = createBackends();
  // The server when PLANTON_TEST_DATABASE_URL is set, else PGlite.
  const backend = backends.at(-1) as {readonly get: () => Promise<Backend>};
  const redisPort = Number(new URL(redisUrl).port || 6379);
  const redisHost = new URL(redisUrl).hostname;

  test.after.always(async () => {
    await endAll();
  });

  /** Per test: a schema with `itemCount` items, a store, a fresh queue name and key prefix — all removed afterwards. */
  const setUp = async (t: ExecutionContext, itemCount: number) => {
    const {pool} = await backend.get();
    const schema = createSchemaName();
    const {prefix, queueName} = createQueueNames();
    const admin = new Redis(redisUrl, {maxRetriesPerRequest: null});
    const queue = new Queue(queueName, {connection: admin, prefix});
    const cleanUps: Array<() => Promise<void>> = [];
    const errors: ErrorEvent[] = [];
    /** How many times the processor ran, per instruction. */
    const runs = new Map<number, number>();

    t.teardown(async () => {
      // A close that hangs fails the test here instead of timing out the whole file.
      for (const cleanUp of cleanUps.reverse()) {
        await withDeadline(cleanUp(), 'a clean-up step', 30_000);
      }

      await queue.obliterate({force: true});
      await queue.close();
      admin.disconnect();
      await dropSchema(pool, schema);
    });

    await createItems(pool, schema, itemCount);

    const store = await createPostgresStore<number>({pool, reaperInterval: 0, schema});

    cleanUps.push(async () => {
      await store.terminate();
    });

    const processItem = async (message: SinkMessage<number>) => {
      runs.set(message.instruction, (runs.get(message.instruction) ?? 0) + 1);
      await pool.query(sql.type(z.object({}))`
        UPDATE ${sql.identifier([schema, 'item'])} SET processed_count = processed_count + 1 WHERE id = ${message.instruction}
      `);
    };

    const startWorker = async (configuration: Partial<BullMqWorkerConfiguration<number>> = {}) => {
      const worker = createBullMqWorker<number>({
        concurrency: 20,
        prefix,
        processor: processItem,
        queueName,
        reconnection: {initialDelay: 20, maxDelay: 200},
        store,
        url: redisUrl,
        ...configuration,
      });

      cleanUps.push(async () => {
        await worker.close();
      });

      const counters = {
        completed: countEvents(worker.events, 'completed'),
        errors: countEvents(worker.events, 'error'),
        failed: countEvents(worker.events, 'failed'),
        skipped: countEvents(worker.events, 'skipped'),
        worker,
      };

      await withDeadline(worker.waitUntilReady(), 'the worker to be ready');

      return counters;
    };

    /** Planton claiming items → connectSink → the BullMQ sink. */
    const startDispatch = (configuration: Partial<BullMqSinkConfiguration> & {readonly claim?: PostgresClaim<number>; readonly concurrency?: number} = {}) => {
      const {claim = createItemClaim(schema), concurrency = 500, ...sinkConfiguration} = configuration;
      const sink = createBullMqSink<number>({
        prefix,
        queueName,
        reconnection: {initialDelay: 20, maxDelay: 200},
        url: redisUrl,
        ...sinkConfiguration,
      });
      const planton = createPlanton<number>({
        getActiveTaskInstructions: store.getActiveTaskInstructions,
        tasks: [{calculateDelay: () => 5, concurrency, name: 'items', schedule: store.createSchedule(claim)}],
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

    return {errors, pool, prefix, queue, queueName, runs, schema, startDispatch, startWorker, store};
  };

  /** Claims unprocessed items and marks them processed in the same statement (`processed_count` then counts claims). */
  const createMarkingClaim = (schema: string): PostgresClaim<number> => {
    const item = sql.identifier([schema, 'item']);

    return ({limit}) => sql.type(z.object({id: z.number()}))`
      UPDATE ${item} SET processed_count = processed_count + 1
      WHERE id = ANY(ARRAY(
        SELECT id FROM ${item} WHERE processed_count = 0 ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED
      ))
      RETURNING id
    `;
  };

  const countByState = async (pool: Backend['pool'], schema: string) => {
    return Object.fromEntries((await countExecutions(pool, schema)).map(({count, state}) => [state, count]));
  };

  test('bullmq: 5,000 instructions go through BullMQ to a worker and each is completed exactly once', async (t) => {
    const total = 5_000;
    const {errors, pool, queue, runs, schema, startDispatch, startWorker} = await setUp(t, total);
    const {completed, errors: workerErrors} = await startWorker({
      concurrency: 50,
      // The claim marked the item; the processor only counts its runs (one statement per item less).
      processor: (message) => {
        runs.set(message.instruction, (runs.get(message.instruction) ?? 0) + 1);
      },
    });
    const startedAt = performance.now();
    const {connection} = startDispatch({claim: createMarkingClaim(schema), concurrency: 1_000});

    await completed.until(total);

    const elapsedMs = performance.now() - startedAt;

    t.log(`5,000 instructions in ${Math.round(elapsedMs)} ms`);
    t.deepEqual(errors, []);
    t.deepEqual(workerErrors.payloads, []);
    t.like(connection.getStats(), {confirmed: total, failed: 0});
    t.is(runs.size, total);
    t.true([...runs.values()].every((count) => count === 1));
    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
    t.deepEqual(await countExecutions(pool, schema), [{count: total, state: 'COMPLETED'}]);
    await eventually(async () => (await queue.getJobCounts('completed')).completed === total);

    // connectSink put each execution's id in its message: the job id is `items/<execution id>`.
    const [job] = await queue.getJobs(['completed'], 0, 0);

    t.regex(job?.id ?? '', /^items\/\d+$/u);
    t.is(job?.id, `items/${String(job?.data.executionId)}`);
  });

  test('bullmq: with Redis unreachable when a batch is dispatched nothing is lost, and once it is back every instruction completes', async (t) => {
    const total = 200;
    const concurrency = 50;
    // Registered first, so closed last (teardowns run in reverse): the clients close while Redis is reachable.
    const proxy = await createTcpProxy({host: redisHost, port: redisPort});

    t.teardown(async () => {
      await proxy.close();
    });

    const {errors, pool, runs, schema, startDispatch, startWorker} = await setUp(t, total);

    const {completed} = await startWorker();

    // The sink reaches Redis through the proxy, which is down; the worker reaches it directly.
    proxy.setAvailable(false);

    const {connection} = startDispatch({concurrency, publishTimeout: 300, url: withPort(redisUrl, proxy.port)});

    // Publishes wait for the connection, fill the task's concurrency and time out: released, not lost.
    await eventually(async () => ((await countByState(pool, schema)).FAILED ?? 0) >= concurrency);

    const duringOutage = await countByState(pool, schema);

    t.is(completed.payloads.length, 0);
    t.true((duringOutage.RUNNING ?? 0) <= concurrency, 'claims stop at the concurrency while nothing is stored');
    t.true(errors.length >= concurrency);
    t.true(errors.every(({error}) => error.code === 'SINK_PUBLISH_FAILED'));
    t.true(errors.every(({error}) => (error.cause as {code?: unknown}).code === 'SINK_TIMEOUT'));

    proxy.setAvailable(true);
    await completed.until(total);

    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
    t.true([...runs.values()].every((count) => count === 1));

    const after = await countByState(pool, schema);
    const late = await selectUncompletedInstructions(pool, schema);

    t.is((after.COMPLETED ?? 0) + late.length, total);
    t.true(late.every(({codes}) => codes.length > 0 && codes.every((code) => code === 'SINK_PUBLISH_FAILED')), 'each was released by the sink');
    t.is(after.RUNNING, undefined);
    t.true((after.FAILED ?? 0) >= concurrency);
    t.true((after.FAILED ?? 0) <= connection.getStats().failed);
  });

  test('bullmq: the worker reconnects on its own after losing Redis and takes jobs again', async (t) => {
    const total = 100;
    // Registered first, so closed last (teardowns run in reverse): the worker closes while Redis is reachable.
    const proxy = await createTcpProxy({host: redisHost, port: redisPort});

    t.teardown(async () => {
      await proxy.close();
    });

    const {pool, schema, startDispatch, startWorker} = await setUp(t, total);

    const {completed} = await startWorker({url: withPort(redisUrl, proxy.port)});

    proxy.setAvailable(false);
    startDispatch({concurrency: 20});
    // The sink stores jobs meanwhile; the worker cannot take them.
    await eventually(async () => ((await countByState(pool, schema)).RUNNING ?? 0) === 20);
    t.is(completed.payloads.length, 0);

    proxy.setAvailable(true);
    await completed.until(total);

    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
    t.deepEqual(await countExecutions(pool, schema), [{count: total, state: 'COMPLETED'}]);
  });

  test('bullmq: a worker killed mid-processing has its job recovered and completed once', async (t) => {
    const lockDuration = 1_000;
    const stalledInterval = 250;
    const {pool, prefix, queueName, runs, schema, startDispatch, startWorker} = await setUp(t, 1);
    const child = spawn(process.execPath, [HANGING_WORKER], {
      env: {...process.env, LOCK_DURATION: String(lockDuration), PREFIX: prefix, QUEUE_NAME: queueName, REDIS_URL: redisUrl, STALLED_INTERVAL: String(stalledInterval)},
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const messages: HangingWorkerMessage[] = [];
    const received = async (type: HangingWorkerMessage['type']) => {
      await withDeadline(new Promise<void>((resolve, reject) => {
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
    };

    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
    });

    await received('ready');
    startDispatch({concurrency: 1});
    await received('processing');

    const exited = once(child, 'exit');

    child.kill('SIGKILL');
    t.is((await exited)[1], 'SIGKILL');

    const redeliveries: boolean[] = [];
    const {completed} = await startWorker({
      processor: async (message, {redelivered}) => {
        redeliveries.push(redelivered);
        runs.set(message.instruction, (runs.get(message.instruction) ?? 0) + 1);
        await pool.query(sql.type(z.object({}))`
          UPDATE ${sql.identifier([schema, 'item'])} SET processed_count = processed_count + 1 WHERE id = ${message.instruction}
        `);
      },
      // The stalled-job check finds the dead worker's job once its lock expired.
      workerOptions: {lockDuration, stalledInterval},
    });

    await completed.until(1);

    t.deepEqual(messages.find((message) => message.type === 'processing'), {instruction: 1, redelivered: false, type: 'processing'});
    t.deepEqual(redeliveries, [true]);
    t.deepEqual(await countItems(pool, schema), {done: 1, duplicated: 0, total: 1});
    t.deepEqual(await countExecutions(pool, schema), [{count: 1, state: 'COMPLETED'}]);
  });

  test('bullmq: a poison job fails with a clear coded error and does not block the queue', async (t) => {
    const total = 3;
    const {pool, queue, schema, startDispatch, startWorker} = await setUp(t, total);
    const {completed, errors} = await startWorker({concurrency: 1});
    const poison = await queue.add('items', {instruction: {nested: true}, taskName: 'items'});

    startDispatch({concurrency: 10});
    await completed.until(total);
    await errors.until(1);

    t.is(errors.payloads.length, 1);
    t.like(errors.payloads[0]?.error, {code: 'INVALID_SINK_MESSAGE', content: '{"instruction":{"nested":true},"taskName":"items"}'});
    t.regex(errors.payloads[0]?.error.message ?? '', /not a Planton sink message \(`instruction` is not a string or a finite number\)/u);
    await eventually(async () => await queue.getJobState(poison.id ?? '') === 'failed');

    const failed = await queue.getJob(poison.id ?? '');

    t.regex(failed?.failedReason ?? '', /^INVALID_SINK_MESSAGE: /u);
    t.is(failed?.attemptsMade, 1);
    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
  });

  test('bullmq: a job of an execution that already ended completes without running', async (t) => {
    const {queue, schema, startWorker, store} = await setUp(t, 1);
    const processed: unknown[] = [];
    const {completed, skipped} = await startWorker({
      processor: (message) => {
        processed.push(message);
      },
    });
    const [execution] = await store.claimExecutions({claim: createItemClaim(schema), limit: 1, taskName: 'items'});

    if (execution === undefined) {
      throw new Error('Nothing was claimed.');
    }

    const executionId = Number(execution.executionId);

    await store.completeExecution({executionId});

    const job = await queue.add('items', {executionId, instruction: 1, taskName: 'items'});

    await skipped.until(1);

    t.deepEqual(skipped.payloads, [{message: {executionId, instruction: 1, taskName: 'items'}}]);
    t.deepEqual(processed, []);
    t.is(completed.payloads.length, 0);
    await eventually(async () => await queue.getJobState(job.id ?? '') === 'completed');
    t.pass();
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
    await eventually(async () => await queue.getJobState(job.id ?? '') === 'completed');
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
