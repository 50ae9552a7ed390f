/**
 * The scenarios every sink and its worker must pass against their real broker (BullMQ, RabbitMQ,
 * NATS JetStream), written once: 5,000 instructions each completed exactly once, a broker outage
 * while a batch is dispatched, a consumer killed mid-processing, a poison message, a redelivery
 * of an execution that already ended, and the message of an execution released after its publish
 * timed out though the broker stored it. Each broker file calls this with a harness that says how to
 * start its worker and sink and how its broker differs; a new sink is done when it passes.
 *
 * Where brokers genuinely differ (a poison message is dead-lettered by RabbitMQ, failed by BullMQ,
 * terminated by NATS) the harness asserts the broker's part on top of the shared assertions, never
 * instead of them. Waits are on events or, for database state, on a condition; nothing sleeps.
 */
import test, {type ExecutionContext} from 'ava';
import {sql} from 'slonik';
import {z} from 'zod';
import type {PostgresClaim} from '../../../../src/adapters/postgres/types.ts';
import {SinkPublishError, SinkRejectedError} from '../../../../src/adapters/sinks/errors.ts';
import type {SinkConnection, SinkMessage, SinkProcessor, WorkerEvents} from '../../../../src/adapters/sinks/types.ts';
import type {ErrorEvent} from '../../../../src/index.ts';
import {createTcpProxy} from '../../../helpers/createTcpProxy.ts';
import {countExecutions, countItems, createItemClaim, selectUncompletedInstructions} from '../../postgres/helpers/items.ts';
import type {SinkTestContext} from './createSinkTestBed.ts';
import type {HangingWorker} from './spawnHangingWorker.ts';
import {withPort} from './withPort.ts';

/** An event's payloads so far; `until(n)` resolves once `n` have arrived (see countEvents). */
export type EventCount<Payload> = {
  readonly payloads: readonly Payload[];
  readonly until: (count: number) => Promise<void>;
};

/** A broker's worker as the scenarios see it: started, consuming, its outcomes counted. */
export type SinkConformanceWorker = {
  readonly close: () => Promise<void>;
  readonly completed: EventCount<WorkerEvents<number>['completed']>;
  readonly errors: EventCount<WorkerEvents<number>['error']>;
  readonly skipped: EventCount<WorkerEvents<number>['skipped']>;
};

export type SinkConformanceWorkerOptions = {
  /** Messages processed at once: BullMQ's and NATS's `concurrency`, RabbitMQ's `prefetch`. */
  readonly concurrency: number;
  readonly processor: SinkProcessor<number>;
};

/** Planton → connectSink → the broker's sink, as the scenarios see it. */
export type SinkConformanceDispatch = {
  /** The sink's `connected` events from when `startDispatch` resolved, or null for a sink that reports none (BullMQ's). */
  readonly connected: EventCount<{readonly reconnected: boolean}> | null;
  readonly connection: SinkConnection;
  /** Planton's `error` events (a released publish is one). */
  readonly errors: EventCount<ErrorEvent>;
};

export type SinkConformanceDispatchOptions = {
  /** @default createItemClaim(schema) */
  readonly claim?: PostgresClaim<number>;
  /** The task's concurrency. */
  readonly concurrency: number;
  /** @default the sink's default */
  readonly publishTimeout?: number;
  /**
   * The broker's URL for the sink (a TCP proxy's, to cut its connection).
   * @default the harness's `url`
   */
  readonly url?: string;
};

/** How one broker runs the conformance scenarios. `Context` is what its `setUp` returns. */
export type SinkConformanceHarness<Context extends SinkTestContext> = {
  /** Where the broker listens (a TCP proxy in front of it cuts and restores a sink's connection). */
  readonly address: {readonly host: string; readonly port: number};
  /** The broker, in the test titles' prefix: `bullmq`, `rabbitmq`, `nats`. */
  readonly name: string;
  /** Per test: the test bed's context with the broker's own names and clients, all removed afterwards. */
  readonly setUp: (t: ExecutionContext, itemCount: number) => Promise<Context>;
  /** Starts Planton dispatching through the broker's sink. */
  readonly startDispatch: (context: Context, options: SinkConformanceDispatchOptions) => Promise<SinkConformanceDispatch>;
  /** Starts a worker on the test's queue and resolves once it consumes. */
  readonly startWorker: (context: Context, options: SinkConformanceWorkerOptions) => Promise<SinkConformanceWorker>;
  /** The broker's URL. */
  readonly url: string;

  /** 5,000 instructions through the broker, each completed exactly once. */
  readonly throughput: {
    /** Assertions on the broker's side once every instruction completed (e.g. the jobs it kept). */
    readonly assertBroker?: (t: ExecutionContext, context: Context) => Promise<void>;
    readonly dispatchConcurrency: number;
    /**
     * The claim marks the item (`processed_count` then counts claims) and the processor only counts
     * its runs: one statement per item less.
     * @default false
     */
    readonly markOnClaim?: boolean;
    /**
     * Registers the test with `test.serial` (the broker file says why).
     * @default false
     */
    readonly serial?: boolean;
    /** ava's `t.timeout`, where the file's default is too short. */
    readonly timeout?: number;
    readonly title: string;
  };

  /** The broker unreachable by the sink while a batch is dispatched: nothing lost, all completed once it is back. */
  readonly outage: {
    /** Assertions on the executions once every instruction completed, where the broker allows more than the shared ones. */
    readonly assertBroker?: (t: ExecutionContext, outcome: {readonly after: Readonly<Record<string, number | undefined>>; readonly connection: SinkConnection}) => void;
    /** The sink's `publishTimeout`: short, so that the publishes made during the outage fail. */
    readonly publishTimeout: number;
    readonly title: string;
  };

  /** A consumer killed mid-processing: its message is redelivered (recovered) and completed once. */
  readonly killedWorker: {
    /** Spawns the broker's `fixtures/hangingWorker.ts` on the test's queue. */
    readonly spawn: (t: ExecutionContext, context: Context) => Promise<HangingWorker>;
    /** Starts the worker that takes the dead one's message over (with the redelivery settings of the fixture). */
    readonly startSuccessor: (context: Context, options: SinkConformanceWorkerOptions) => Promise<SinkConformanceWorker>;
    readonly title: string;
  };

  /** A poison message: refused with INVALID_SINK_MESSAGE, and the valid messages behind it complete. */
  readonly poison: {
    /** What became of the poison message on the broker (dead-lettered, failed, terminated). */
    readonly assertRefused: (t: ExecutionContext, context: Context) => Promise<void>;
    /** The error's `content`: what the broker delivered. */
    readonly content: string;
    /** Puts the poison message on the test's queue. */
    readonly publish: (context: Context) => Promise<void>;
    /** Why it is not a Planton sink message, as the error's message says. */
    readonly reason: RegExp;
    /**
     * Starts the worker that meets the poison message.
     * @default startWorker
     */
    readonly startWorker?: (context: Context, options: SinkConformanceWorkerOptions) => Promise<SinkConformanceWorker>;
    readonly title: string;
  };

  /** A redelivered message of an execution that already completed: acknowledged, not run again. */
  readonly redelivery: {
    /** How the broker shows that the message was acknowledged (gone from the queue, a completed job). */
    readonly assertAcknowledged: (t: ExecutionContext, context: Context, outcome: {readonly message: SinkMessage<number>; readonly worker: SinkConformanceWorker}) => Promise<void>;
    /** Puts `message` on the test's queue as the broker would deliver it again. */
    readonly publish: (context: Context, message: SinkMessage<number>) => Promise<void>;
    readonly title: string;
  };
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

/** Registers the five conformance scenarios of one broker, titled `<name>: <title>`. */
export const defineSinkConformanceTests = <Context extends SinkTestContext>(harness: SinkConformanceHarness<Context>) => {
  const {killedWorker, name, outage, poison, redelivery, throughput} = harness;

  (throughput.serial ? test.serial : test)(`${name}: ${throughput.title}`, async (t) => {
    if (throughput.timeout !== undefined) {
      t.timeout(throughput.timeout);
    }

    const total = 5_000;
    const context = await harness.setUp(t, total);
    const {pool, runs, schema} = context;
    const {completed, errors: workerErrors} = await harness.startWorker(context, {
      concurrency: 50,
      processor: throughput.markOnClaim ? context.recordRun : context.processItem,
    });
    const startedAt = performance.now();
    const {connection, errors} = await harness.startDispatch(context, {
      claim: throughput.markOnClaim ? createMarkingClaim(schema) : createItemClaim(schema),
      concurrency: throughput.dispatchConcurrency,
    });

    await completed.until(total);
    t.log(`${total} instructions dispatched, consumed and completed in ${Math.round(performance.now() - startedAt)} ms`);

    t.deepEqual(errors.payloads, []);
    t.deepEqual(workerErrors.payloads, []);
    t.like(connection.getStats(), {confirmed: total, failed: 0});
    t.is(runs.size, total);
    t.true([...runs.values()].every((count) => count === 1), 'the processor ran each instruction once');
    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
    t.deepEqual(await countExecutions(pool, schema), [{count: total, state: 'COMPLETED'}]);
    await throughput.assertBroker?.(t, context);
  });

  test(`${name}: ${outage.title}`, async (t) => {
    const total = 200;
    const concurrency = 50;
    // Registered first, so closed last (teardowns run in reverse): the clients close while the broker is reachable.
    const proxy = await createTcpProxy(harness.address);

    t.teardown(async () => {
      await proxy.close();
    });

    const context = await harness.setUp(t, total);
    const {countByState, pool, runs, schema} = context;
    const {completed} = await harness.startWorker(context, {concurrency: 50, processor: context.processItem});

    // The sink reaches the broker through the proxy, which is down; the worker reaches it directly.
    proxy.setAvailable(false);

    const {connected, connection, errors} = await harness.startDispatch(context, {concurrency, publishTimeout: outage.publishTimeout, url: withPort(harness.url, proxy.port)});

    // Publishes wait for the connection, fill the task's concurrency, time out and are released
    // (the error event follows the release).
    await errors.until(concurrency);

    const duringOutage = await countByState();

    t.is(completed.payloads.length, 0);
    t.is(connected?.payloads.length ?? 0, 0);
    t.true((duringOutage.FAILED ?? 0) >= concurrency, 'each unconfirmed execution was released');
    t.true((duringOutage.RUNNING ?? 0) <= concurrency, 'claims stop at the concurrency while nothing is confirmed');
    t.true(errors.payloads.every(({error}) => error.code === 'SINK_PUBLISH_FAILED'));
    t.true(errors.payloads.every(({error}) => (error as {sinkCode?: unknown}).sinkCode === 'SINK_TIMEOUT' && (error.cause as {code?: unknown}).code === 'SINK_TIMEOUT'));

    proxy.setAvailable(true);
    await completed.until(total);
    await connected?.until(1);

    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
    t.true([...runs.values()].every((count) => count === 1));

    // A publish that timed out may still be stored (confirmed late): its consumer then finds the
    // execution released and revives it (or skips it, the item claimed again meanwhile), or runs it
    // before the release lands (the item is done, its execution FAILED). Either way nothing is left
    // running.
    const after = await countByState();
    const late = await selectUncompletedInstructions(pool, schema);

    t.is((after.COMPLETED ?? 0) + late.length, total);
    t.true(late.every(({codes}) => codes.length > 0 && codes.every((code) => code === 'SINK_PUBLISH_FAILED')), 'each was released by the sink');
    t.is(after.RUNNING, undefined);
    t.true((after.FAILED ?? 0) <= connection.getStats().failed, `FAILED ${after.FAILED ?? 0}, released ${connection.getStats().failed}`);
    // A release that found the execution completed already counts as failed, not as FAILED.
    t.true((after.FAILED ?? 0) <= connection.getStats().failed);
    outage.assertBroker?.(t, {after, connection});
  });

  test(`${name}: ${killedWorker.title}`, async (t) => {
    const context = await harness.setUp(t, 1);
    const {pool, schema} = context;
    const hangingWorker = await killedWorker.spawn(t, context);

    await hangingWorker.received('consuming');

    const {connection} = await harness.startDispatch(context, {concurrency: 1});
    const {executionId, ...processing} = await hangingWorker.received('processing');

    t.is(await hangingWorker.kill(), 'SIGKILL');

    const redeliveries: boolean[] = [];
    const {completed} = await killedWorker.startSuccessor(context, {
      concurrency: 1,
      processor: async (message, details) => {
        redeliveries.push(details.redelivered);
        await context.processItem(message, details);
      },
    });

    await completed.until(1);

    t.deepEqual(processing, {instruction: 1, redelivered: false, type: 'processing'});
    t.is(typeof executionId, 'number', 'the message carries its execution id');
    t.deepEqual(redeliveries, [true]);
    t.like(connection.getStats(), {confirmed: 1, failed: 0});
    t.deepEqual(await countItems(pool, schema), {done: 1, duplicated: 0, total: 1});
    t.deepEqual(await countExecutions(pool, schema), [{count: 1, state: 'COMPLETED'}]);
  });

  test(`${name}: ${poison.title}`, async (t) => {
    const total = 3;
    const context = await harness.setUp(t, total);
    const {pool, schema} = context;
    // One message at a time: the poison message comes first, and the valid ones only get through once it is settled.
    const {completed, errors} = await (poison.startWorker ?? harness.startWorker)(context, {concurrency: 1, processor: context.processItem});

    await poison.publish(context);
    await harness.startDispatch(context, {concurrency: 10});
    await completed.until(total);
    await errors.until(1);

    t.is(errors.payloads.length, 1);
    t.like(errors.payloads[0]?.error, {code: 'INVALID_SINK_MESSAGE', content: poison.content});
    t.regex(errors.payloads[0]?.error.message ?? '', poison.reason);
    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
    await poison.assertRefused(t, context);
  });

  test(`${name}: ${redelivery.title}`, async (t) => {
    const context = await harness.setUp(t, 1);
    const {schema, store} = context;
    const processed: unknown[] = [];
    const worker = await harness.startWorker(context, {
      concurrency: 1,
      processor: (message) => {
        processed.push(message);
      },
    });
    const [execution] = await store.claimExecutions({claim: createItemClaim(schema), limit: 1, taskName: 'items'});

    if (execution === undefined) {
      throw new Error('Nothing was claimed.');
    }

    const executionId = Number(execution.executionId);
    const message = {executionId, instruction: execution.instruction, taskName: execution.taskName};

    await store.completeExecution({executionId});
    await redelivery.publish(context, message);
    await worker.skipped.until(1);

    t.deepEqual(worker.skipped.payloads, [{message: {executionId, instruction: 1, taskName: 'items'}}]);
    t.deepEqual(processed, []);
    t.is(worker.completed.payloads.length, 0);
    await redelivery.assertAcknowledged(t, context, {message, worker});
  });

  test(`${name}: a message whose execution was released after its publish timed out (the broker stored it after all) revives the execution and completes it once`, async (t) => {
    const context = await harness.setUp(t, 1);
    const {pool, schema, store} = context;
    const worker = await harness.startWorker(context, {concurrency: 1, processor: context.processItem});
    const [execution] = await store.claimExecutions({claim: createItemClaim(schema), limit: 1, taskName: 'items'});

    if (execution === undefined) {
      throw new Error('Nothing was claimed.');
    }

    const executionId = Number(execution.executionId);

    // What connectSink does when the publish times out: the execution is released (FAILED).
    await store.failExecution({executionId}, new SinkPublishError('items', 1, new SinkRejectedError('TIMEOUT', 'The broker did not confirm the message in time.'), executionId));
    t.deepEqual(await countExecutions(pool, schema), [{count: 1, state: 'FAILED'}]);
    await redelivery.publish(context, {executionId, instruction: execution.instruction, taskName: execution.taskName});
    await worker.completed.until(1);

    t.deepEqual(worker.skipped.payloads, []);
    t.deepEqual(await countItems(pool, schema), {done: 1, duplicated: 0, total: 1});
    t.deepEqual(await countExecutions(pool, schema), [{count: 1, state: 'COMPLETED'}]);
  });
};
