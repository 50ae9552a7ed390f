/** What the webhook notifier does whatever the store (memory store): a receiver that never answers, configuration. */
import test from 'ava';
import {createMemorySchedulerStore, createScheduler} from '../../src/scheduler/index.ts';
import {createEmitter} from '../../src/planton/createEmitter.ts';
import type {SchedulerEvents} from '../../src/scheduler/index.ts';
import {createServer} from '../../src/server/index.ts';
import {createWebhookNotifier} from '../../src/server/createWebhookNotifier.ts';
import {createManualClock} from '../helpers/createManualClock.ts';
import {until} from '../helpers/until.ts';
import {SECRET, startReceiver} from './helpers/defineWebhooksSuite.ts';
import {startServer} from './helpers/startServer.ts';

test('a receiver that never answers blocks no job: the next job fails for good meanwhile; close() does not wait for it', async (t) => {
  const receiver = await startReceiver(t, {hold: true});
  const {api, clock, scheduler, server} = await startServer(t, createMemorySchedulerStore(), {webhooks: [{events: ['job.dead'], secret: SECRET, url: receiver.url}]});

  await api.request('PUT', '/v1/tasks/{name}', {body: {retry: {attempts: 1}, schedule: {date: '2026-01-01T00:01:00Z'}, timeout: 10_000}, params: {name: 'broken'}});

  const first = await api.request('POST', '/v1/tasks/{name}/jobs', {body: {}, params: {name: 'broken'}});
  const second = await api.request('POST', '/v1/tasks/{name}/jobs', {body: {}, params: {name: 'broken'}});

  scheduler.addProcessor('broken', () => {
    throw new Error('no');
  });
  await clock.advance(1000);
  // Both jobs run one after the other (concurrency 1) while the first POST hangs.
  await until(async () => (await scheduler.getJob(second.body.id))?.state === 'ERROR');
  await until(() => receiver.received.length >= 1);
  t.like(await api.request('GET', '/v1/jobs/{id}/deliveries', {params: {id: first.body.id}}), {body: {deliveries: [{attempts: 1, state: 'PENDING'}]}});

  const started = Date.now();

  await server.close();
  t.true(Date.now() - started < 4000, 'close() does not wait for the receiver');
});

test('the notifier\'s close() aborts a POST in flight: the delivery ends FAILED (`server closed`); events after close are not sent', async (t) => {
  const receiver = await startReceiver(t, {hold: true});
  const clock = createManualClock(0);
  const events = createEmitter<SchedulerEvents>(() => {
    t.fail('a listener threw');
  });
  const notifier = createWebhookNotifier({clock, events, getBaseUrl: () => null, webhooks: [{secret: SECRET, url: receiver.url}]});
  const job = {attempt: 1, createdAt: 0, endedAt: 0, error: {message: 'no'}, id: 7, kind: 'SLOT', leaseUntil: null, noProcessorCount: 0, payload: null, progress: null, result: null, runAt: 0, scheduledFor: 0, slotCount: 1, startedAt: 0, state: 'ERROR', step: null, taskName: 'x', worker: null} as const;

  events.emit('failed', {error: new Error('no'), job});
  await until(() => receiver.received.length === 1);
  t.like(receiver.received[0]?.json, {error: {code: null, message: 'no'}, links: {job: '/v1/jobs/7'}});
  await notifier.close();
  t.like(notifier.listDeliveries(7), [{attempts: 1, event: 'job.dead', lastError: 'server closed', state: 'FAILED'}]);
  events.emit('failed', {error: new Error('no'), job});
  t.is(notifier.listDeliveries(7).length, 1);
});

test('webhook configuration is validated eagerly; a short secret is refused without being quoted', async (t) => {
  const scheduler = await createScheduler({store: createMemorySchedulerStore(), syncInterval: 0});

  t.teardown(async () => {
    await scheduler.terminate();
  });

  t.throws(() => createServer({scheduler, webhooks: [{secret: SECRET, url: 'ftp://example.com'}]}), {code: 'INVALID_SERVER_CONFIGURATION', message: /webhooks\[0\]\.url/u});

  const error = t.throws(() => createServer({scheduler, webhooks: [{secret: 'short-secret', url: 'http://127.0.0.1/hook'}]}), {code: 'INVALID_SERVER_CONFIGURATION'});

  t.false(error.message.includes('short-secret'));
  t.throws(() => createServer({scheduler, webhooks: [{events: ['job.succeeded' as never], secret: SECRET, url: 'http://127.0.0.1/hook'}]}), {code: 'INVALID_SERVER_CONFIGURATION', message: /events/u});
  t.throws(() => createServer({scheduler, webhookOptions: {attempts: 0}}), {code: 'INVALID_SERVER_CONFIGURATION', message: /attempts/u});
});
