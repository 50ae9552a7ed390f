import test from 'ava';
import {connectWorker} from '../../src/client/index.ts';
import {createMemorySchedulerStore, createScheduler} from '../../src/scheduler/index.ts';
import {createWorkerHub} from '../../src/server/createWorkerHub.ts';

test('createWorkerHub refuses invalid options with INVALID_WORKER_HUB_CONFIGURATION, naming the option', async (t) => {
  const scheduler = await createScheduler({store: createMemorySchedulerStore(), syncInterval: 0});

  t.teardown(async () => {
    await scheduler.terminate();
  });

  for (const [option, value] of [['leaseDuration', 0], ['leaseDuration', Number.NaN], ['heartbeatInterval', -1], ['registrationRetryInterval', '5s'], ['rememberedAttempts', 1.5]] as const) {
    const error = t.throws(() => createWorkerHub({[option]: value, scheduler}), {code: 'INVALID_WORKER_HUB_CONFIGURATION'});

    t.like(error, {option}, option);
    t.regex(error?.message ?? '', new RegExp(`^Expected \`${option}\` to be`, 'u'));
  }

  t.like(t.throws(() => createWorkerHub({heartbeatInterval: 30_000, leaseDuration: 30_000, scheduler})), {code: 'INVALID_WORKER_HUB_CONFIGURATION', option: 'heartbeatInterval'}, 'a heartbeat as long as the lease');
  await createWorkerHub({heartbeatInterval: 2_000, leaseDuration: 3_000, scheduler}).close();
});

test('connectWorker refuses invalid options with INVALID_WORKER_CONFIGURATION before it connects', (t) => {
  for (const [option, configuration] of [
    ['url', {url: 'localhost:2718'}],
    ['url', {url: 'ws://'}],
    ['concurrency', {concurrency: 0, url: 'ws://127.0.0.1:1'}],
    ['concurrency', {concurrency: 2.5, url: 'ws://127.0.0.1:1'}],
    ['deliveryTimeout', {deliveryTimeout: -1, url: 'ws://127.0.0.1:1'}],
    ['reconnectDelay.maxDelay', {reconnectDelay: {initialDelay: 10, maxDelay: Number.POSITIVE_INFINITY}, url: 'ws://127.0.0.1:1'}],
  ] as const) {
    t.like(t.throws(() => connectWorker(configuration)), {code: 'INVALID_WORKER_CONFIGURATION', option}, option);
  }
});
