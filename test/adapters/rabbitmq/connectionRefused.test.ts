/**
 * RabbitMQ refusing the connection (wrong password, nothing listening at the port): the sink and
 * the worker say so at once, as `SINK_CONNECTION_REFUSED` on `error`, and the sink's publishes
 * reject with it instead of waiting for `publishTimeout`. Against the real broker
 * (PLANTON_TEST_AMQP_URL); waits are on events and rejections.
 */
import test from 'ava';
import {createRabbitMqSink} from '../../../src/adapters/rabbitmq/createRabbitMqSink.ts';
import {createRabbitMqWorker} from '../../../src/adapters/rabbitmq/createRabbitMqWorker.ts';
import {countEvents} from '../../helpers/countEvents.ts';
import {findFreePort} from '../../helpers/findFreePort.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {withDeadline} from '../../helpers/withDeadline.ts';
import {withPort} from '../sinks/helpers/withPort.ts';

/** Far beyond what a refusal may take to surface: the publish must not wait for it. */
const publishTimeout = 60_000;

/** A refusal surfaces within this (it takes milliseconds); the tests fail rather than wait for `publishTimeout`. */
const PROMPTLY = 10_000;

const withPassword = (url: string, password: string) => {
  const parsed = new URL(url);

  parsed.password = password;

  return parsed.toString().replace(/\/$/u, '');
};

const store = {completeExecution: async () => undefined, failExecution: async () => undefined, heartbeat: async () => undefined};

requireEnvironment({skipTitle: 'rabbitmq: the connection refusal tests need PLANTON_TEST_AMQP_URL', variable: 'PLANTON_TEST_AMQP_URL'}, (amqpUrl) => {
  test('rabbitmq: a wrong password rejects the publish with SINK_CONNECTION_REFUSED and the broker\'s reason, and is reported on error', async (t) => {
    const sink = await createRabbitMqSink({exchange: '', publishTimeout, reconnection: {initialDelay: 50, maxDelay: 200}, routingKey: 'nowhere', url: withPassword(amqpUrl, 'wrong-password')});
    const errors = countEvents(sink.events, 'error');

    t.teardown(async () => {
      await sink.close();
    });

    const error = await withDeadline(t.throwsAsync(sink.publish({instruction: 1, taskName: 'items'})), 'the publish to reject', PROMPTLY);

    t.like(error, {broker: 'RABBITMQ', code: 'SINK_CONNECTION_REFUSED', refusal: 'AUTHENTICATION'});
    t.regex(error?.message ?? '', /ACCESS_REFUSED/u);
    t.truthy(error?.cause);
    await errors.until(1);
    t.like(errors.payloads[0]?.error, {code: 'SINK_CONNECTION_REFUSED', refusal: 'AUTHENTICATION'});
    // A later publish fails at once too, while the connection is retried in the background.
    await t.throwsAsync(withDeadline(sink.publish({instruction: 2, taskName: 'items'}), 'the second publish to reject', PROMPTLY), {code: 'SINK_CONNECTION_REFUSED'});
    // Retries meet the same refusal: it is reported once, not at every retry.
    t.is(errors.payloads.length, 1);
  });

  test('rabbitmq: a closed port rejects the publish with SINK_CONNECTION_REFUSED', async (t) => {
    const sink = await createRabbitMqSink({exchange: '', publishTimeout, routingKey: 'nowhere', url: withPort(amqpUrl, await findFreePort())});
    const errors = countEvents(sink.events, 'error');

    t.teardown(async () => {
      await sink.close();
    });

    await t.throwsAsync(withDeadline(sink.publish({instruction: 1, taskName: 'items'}), 'the publish to reject', PROMPTLY), {code: 'SINK_CONNECTION_REFUSED', message: /ECONNREFUSED/u});
    await errors.until(1);
    t.like(errors.payloads[0]?.error, {broker: 'RABBITMQ', code: 'SINK_CONNECTION_REFUSED', refusal: 'ADDRESS'});
  });

  test('rabbitmq: a worker with a wrong password reports SINK_CONNECTION_REFUSED on error', async (t) => {
    const worker = await createRabbitMqWorker({processor: () => undefined, queue: 'planton-never-consumed', store, url: withPassword(amqpUrl, 'wrong-password')});
    const errors = countEvents(worker.events, 'error');

    t.teardown(async () => {
      await worker.close();
    });

    await errors.until(1);
    t.like(errors.payloads[0]?.error, {broker: 'RABBITMQ', code: 'SINK_CONNECTION_REFUSED', refusal: 'AUTHENTICATION'});
  });
});
