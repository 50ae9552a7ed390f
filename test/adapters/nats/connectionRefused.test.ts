/**
 * NATS refusing the connection (nothing listening at the port, or credentials it does not take):
 * the sink and the worker say so at once, as `SINK_CONNECTION_REFUSED` on `error`, and the sink's publishes reject with it instead of
 * waiting for `publishTimeout`. Against the real server's address (PLANTON_TEST_NATS_URL), and a
 * nats-server of the test's own that requires a user and password; waits are on events and
 * rejections.
 */
import test from 'ava';
import {createNatsSink} from '../../../src/adapters/nats/createNatsSink.ts';
import {createNatsWorker} from '../../../src/adapters/nats/createNatsWorker.ts';
import {countEvents} from '../../helpers/countEvents.ts';
import {findFreePort} from '../../helpers/findFreePort.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {withDeadline} from '../../helpers/withDeadline.ts';
import {withPort} from '../sinks/helpers/withPort.ts';
import {startNatsServer} from './helpers/startNatsServer.ts';

/** A refusal surfaces within this (it takes milliseconds); the tests fail rather than wait for `publishTimeout`. */
const PROMPTLY = 10_000;

const reconnection = {delay: 50, jitter: 10};

const store = {completeExecution: async () => undefined, failExecution: async () => undefined, heartbeat: async () => undefined};

requireEnvironment({skipTitle: 'nats: the connection refusal tests need PLANTON_TEST_NATS_URL', variable: 'PLANTON_TEST_NATS_URL'}, (natsUrl) => {
  test('nats: a wrong port rejects the publish with SINK_CONNECTION_REFUSED, reported once on error', async (t) => {
    const sink = await createNatsSink({publishTimeout: 60_000, reconnection, stream: 'planton_refused', subject: 'planton_refused.items', url: withPort(natsUrl, await findFreePort())});
    const errors = countEvents(sink.events, 'error');

    t.teardown(async () => {
      await sink.close();
    });

    const error = await withDeadline(t.throwsAsync(sink.publish({executionId: 1, instruction: 1, taskName: 'items'})), 'the publish to reject', PROMPTLY);

    t.like(error, {broker: 'NATS', code: 'SINK_CONNECTION_REFUSED', refusal: 'ADDRESS'});
    await errors.until(1);
    t.like(errors.payloads[0]?.error, {code: 'SINK_CONNECTION_REFUSED'});
    await t.throwsAsync(withDeadline(sink.publish({executionId: 2, instruction: 2, taskName: 'items'}), 'the second publish to reject', PROMPTLY), {code: 'SINK_CONNECTION_REFUSED'});
    t.is(errors.payloads.length, 1, 'the retries meet the same refusal: reported once');
  });

  test('nats: a worker on a wrong port reports SINK_CONNECTION_REFUSED on error', async (t) => {
    const worker = await createNatsWorker({consumer: 'planton_refused', processor: () => undefined, reconnection, store, stream: 'planton_refused', subject: 'planton_refused.items', url: withPort(natsUrl, await findFreePort())});
    const errors = countEvents(worker.events, 'error');

    t.teardown(async () => {
      await worker.close();
    });

    await errors.until(1);
    t.like(errors.payloads[0]?.error, {broker: 'NATS', code: 'SINK_CONNECTION_REFUSED', refusal: 'ADDRESS'});
  });

  test('nats: a wrong password rejects the publish with SINK_CONNECTION_REFUSED (AUTHENTICATION), and a worker with it reports the same on error', async (t) => {
    const server = await startNatsServer(t, ['--user', 'planton', '--pass', 'right']);
    const url = new URL(server.url);

    url.username = 'planton';
    url.password = 'wrong';

    const sink = await createNatsSink({publishTimeout: 60_000, reconnection, stream: 'planton_refused', subject: 'planton_refused.items', url: url.toString()});
    const sinkErrors = countEvents(sink.events, 'error');

    t.teardown(async () => {
      await sink.close();
    });

    const error = await withDeadline(t.throwsAsync(sink.publish({executionId: 1, instruction: 1, taskName: 'items'})), 'the publish to reject', PROMPTLY);

    t.like(error, {broker: 'NATS', code: 'SINK_CONNECTION_REFUSED', refusal: 'AUTHENTICATION'});
    await sinkErrors.until(1);
    t.like(sinkErrors.payloads[0]?.error, {code: 'SINK_CONNECTION_REFUSED', refusal: 'AUTHENTICATION'});

    const worker = await createNatsWorker({consumer: 'planton_refused', processor: () => undefined, reconnection, store, stream: 'planton_refused', subject: 'planton_refused.items', url: url.toString()});
    const workerErrors = countEvents(worker.events, 'error');

    t.teardown(async () => {
      await worker.close();
    });

    await workerErrors.until(1);
    t.like(workerErrors.payloads[0]?.error, {broker: 'NATS', code: 'SINK_CONNECTION_REFUSED', refusal: 'AUTHENTICATION'});
  });
});
