import test from 'ava';
import {createNatsSink} from '../../../src/adapters/nats/createNatsSink.ts';
import {createNatsWorker} from '../../../src/adapters/nats/createNatsWorker.ts';
import type {NatsSinkConfiguration, NatsWorkerConfiguration} from '../../../src/adapters/nats/types.ts';

// No server is contacted: every configuration below is refused before connecting.
const sink = {stream: 'planton', subject: 'planton.items', url: 'nats://127.0.0.1:1'};
const worker = {
  ...sink,
  consumer: 'workers',
  processor: () => undefined,
  store: {completeExecution: async () => undefined, failExecution: async () => undefined, heartbeat: async () => undefined},
};

const sinkCases: ReadonlyArray<readonly [option: string, configuration: unknown, message: string]> = [
  ['url', {...sink, url: ''}, 'Expected `url` to be a non-empty string (or `connection` to be given), got `""`.'],
  ['stream', {...sink, stream: 'a.b'}, 'Expected `stream` to be a stream name (no whitespace, `.`, `*`, `>`, `/` or `\\`), got `"a.b"`.'],
  ['subject', {...sink, subject: ''}, 'Expected `subject` to be a non-empty subject without whitespace, got `""`.'],
  ['publishTimeout', {...sink, publishTimeout: 0}, 'Expected `publishTimeout` to be a finite number > 0, got `0`.'],
  ['duplicateWindow', {...sink, duplicateWindow: -1}, 'Expected `duplicateWindow` to be a finite number > 0, got `-1`.'],
  ['connection', {...sink, connection: {}, url: undefined}, 'Expected `connection` to be a NatsConnection, got `{}`.'],
];

for (const [option, configuration, message] of sinkCases) {
  test(`createNatsSink refuses an invalid \`${option}\``, async (t) => {
    await t.throwsAsync(createNatsSink(configuration as NatsSinkConfiguration), {code: 'INVALID_SINK_CONFIGURATION', message});
  });
}

const workerCases: ReadonlyArray<readonly [option: string, configuration: unknown, message: string]> = [
  ['concurrency', {...worker, concurrency: 0}, 'Expected `concurrency` to be an integer >= 1, got `0`.'],
  ['consumer', {...worker, consumer: 'a b'}, 'Expected `consumer` to be a consumer name (no whitespace, `.`, `*`, `>`, `/` or `\\`), got `"a b"`.'],
  ['expires', {...worker, expires: 500}, 'Expected `expires` to be a finite number >= 1000, got `500`.'],
  ['ackWait', {...worker, ackWait: Number.NaN}, 'Expected `ackWait` to be a finite number > 0, got `NaN`.'],
  ['processor', {...worker, processor: 'run'}, 'Expected `processor` to be a function, got `"run"`.'],
  ['store', {...worker, store: {}}, 'Expected `store` to be an object with a `completeExecution` function, got `{}`.'],
  ['storeRetry', {...worker, storeRetry: {initialDelay: 100, maxDelay: 10}}, 'Expected `storeRetry.maxDelay` to be a finite number >= `storeRetry.initialDelay`, got `10`.'],
];

for (const [option, configuration, message] of workerCases) {
  test(`createNatsWorker refuses an invalid \`${option}\``, async (t) => {
    await t.throwsAsync(createNatsWorker(configuration as NatsWorkerConfiguration), {code: 'INVALID_SINK_CONFIGURATION', message});
  });
}
