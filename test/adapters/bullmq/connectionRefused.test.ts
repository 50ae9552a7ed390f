/**
 * Redis refusing the connection or going away: the sink and the worker say so at once
 * (`SINK_CONNECTION_REFUSED` on `error`, from `publish` and from `waitUntilReady`), and the
 * worker's `close()` settles within its `closeTimeout` whatever Redis does. Against the real
 * server (PLANTON_TEST_REDIS_URL); waits are on events and rejections.
 */
import test from 'ava';
import {Queue} from 'bullmq';
import {createBullMqSink} from '../../../src/adapters/bullmq/createBullMqSink.ts';
import {createBullMqWorker} from '../../../src/adapters/bullmq/createBullMqWorker.ts';
import {countEvents} from '../../helpers/countEvents.ts';
import {createDeferred} from '../../helpers/createManualClock.ts';
import {createTcpProxy} from '../../helpers/createTcpProxy.ts';
import {findFreePort} from '../../helpers/findFreePort.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {withDeadline} from '../../helpers/withDeadline.ts';
import {withPort} from '../sinks/helpers/withPort.ts';
import {createQueueNames} from './helpers/redis.ts';

/** A refusal surfaces within this (it takes milliseconds); the tests fail rather than wait for a publish timeout. */
const PROMPTLY = 10_000;

const reconnection = {initialDelay: 50, maxDelay: 200};

const store = {completeExecution: async () => undefined, failExecution: async () => undefined, heartbeat: async () => undefined};

requireEnvironment({skipTitle: 'bullmq: the connection refusal tests need PLANTON_TEST_REDIS_URL', variable: 'PLANTON_TEST_REDIS_URL'}, (redisUrl) => {
  const target = {host: new URL(redisUrl).hostname, port: Number(new URL(redisUrl).port || 6379)};

  test('bullmq: a closed port rejects the publish with SINK_CONNECTION_REFUSED, reported once on error', async (t) => {
    const sink = createBullMqSink({...createQueueNames(), publishTimeout: 60_000, reconnection, url: withPort(redisUrl, await findFreePort())});
    const errors = countEvents(sink.events, 'error');

    t.teardown(async () => {
      await sink.close();
    });

    const error = await withDeadline(t.throwsAsync(sink.publish({executionId: 1, instruction: 1, taskName: 'items'})), 'the publish to reject', PROMPTLY);

    t.like(error, {broker: 'REDIS', code: 'SINK_CONNECTION_REFUSED', refusal: 'ADDRESS'});
    t.regex(error?.message ?? '', /ECONNREFUSED/u);
    await errors.until(1);
    t.like(errors.payloads[0]?.error, {code: 'SINK_CONNECTION_REFUSED'});
    await t.throwsAsync(withDeadline(sink.publish({executionId: 2, instruction: 2, taskName: 'items'}), 'the second publish to reject', PROMPTLY), {code: 'SINK_CONNECTION_REFUSED'});
    t.true(errors.payloads.every(({error: reported}) => reported.code === 'SINK_CONNECTION_REFUSED'));
    t.is(errors.payloads.length, 1, 'the retries meet the same refusal: reported once');
  });

  test('bullmq: a wrong password rejects the publish with SINK_CONNECTION_REFUSED and Redis\' reason', async (t) => {
    const url = new URL(redisUrl);

    url.username = 'planton-nobody';
    url.password = 'wrong-password';

    const sink = createBullMqSink({...createQueueNames(), publishTimeout: 60_000, reconnection, url: url.toString()});

    t.teardown(async () => {
      await sink.close();
    });

    const error = await withDeadline(t.throwsAsync(sink.publish({executionId: 1, instruction: 1, taskName: 'items'})), 'the publish to reject', PROMPTLY);

    t.like(error, {broker: 'REDIS', code: 'SINK_CONNECTION_REFUSED', refusal: 'AUTHENTICATION'});
    t.regex(error?.message ?? '', /WRONGPASS/u);
  });

  test('bullmq: a worker on a closed port rejects waitUntilReady with SINK_CONNECTION_REFUSED', async (t) => {
    const worker = createBullMqWorker({...createQueueNames(), processor: () => undefined, reconnection, store, url: withPort(redisUrl, await findFreePort())});
    const errors = countEvents(worker.events, 'error');

    t.teardown(async () => {
      await worker.close();
    });

    await t.throwsAsync(withDeadline(worker.waitUntilReady(), 'waitUntilReady to reject', PROMPTLY), {code: 'SINK_CONNECTION_REFUSED'});
    await errors.until(1);
    t.like(errors.payloads[0]?.error, {broker: 'REDIS', code: 'SINK_CONNECTION_REFUSED', refusal: 'ADDRESS'});
  });

  test('bullmq: the worker\'s close() settles within closeTimeout while Redis is unreachable', async (t) => {
    const proxy = await createTcpProxy(target);
    const closeTimeout = 500;
    const worker = createBullMqWorker({...createQueueNames(), closeTimeout, processor: () => undefined, reconnection, store, url: withPort(redisUrl, proxy.port)});

    t.teardown(async () => {
      await proxy.close();
    });

    await withDeadline(worker.waitUntilReady(), 'the worker to be ready');
    proxy.setAvailable(false);

    // BullMQ's own close waits for Redis forever; the deadline leaves room for a slow machine only.
    await withDeadline(worker.close(), 'close() to settle', closeTimeout + 5_000);
    await t.throwsAsync(worker.waitUntilReady(), {code: 'SINK_CLOSED'});
  });

  test('bullmq: the worker\'s close() settles within closeTimeout while a job hangs and Redis is unreachable', async (t) => {
    const proxy = await createTcpProxy(target);
    const names = createQueueNames();
    const closeTimeout = 500;
    const started = createDeferred<void>();
    const hang = createDeferred<void>();
    let finished = false;
    const worker = createBullMqWorker({
      ...names,
      closeTimeout,
      processor: async () => {
        started.resolve();
        await hang.promise;
        finished = true;
      },
      reconnection,
      store,
      url: withPort(redisUrl, proxy.port),
    });
    const queue = new Queue(names.queueName, {connection: {url: redisUrl}, prefix: names.prefix});

    t.teardown(async () => {
      hang.resolve();
      await queue.obliterate({force: true});
      await queue.close();
      await proxy.close();
    });

    await withDeadline(worker.waitUntilReady(), 'the worker to be ready');
    await queue.add('items', {executionId: 1, instruction: 1, taskName: 'items'});
    await withDeadline(started.promise, 'the job to start');
    proxy.setAvailable(false);

    // The job never ends and Redis is away: close() gives up on both after closeTimeout.
    await withDeadline(worker.close(), 'close() to settle', closeTimeout + 5_000);
    t.false(finished, 'close() settled while the job was still running');
  });
});
