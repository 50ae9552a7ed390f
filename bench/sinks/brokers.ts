/**
 * The brokers `planton+<broker>` is measured through: one entry each. BullMQ's adapter is imported
 * as it is typed; RabbitMQ's and NATS's are opened at run time (a module that is missing or does not
 * load skips its system with a line), through the few members the benchmark uses.
 */
import {randomUUID} from 'node:crypto';
import {Queue} from 'bullmq';
import {Redis} from 'ioredis';
import {createBullMqSink} from '../../src/adapters/bullmq/createBullMqSink.ts';
import {createBullMqWorker} from '../../src/adapters/bullmq/createBullMqWorker.ts';
import type {Emitter} from '../../src/index.ts';
import type {Sink, SinkProcessor, WorkerEvents, WorkerStore} from '../../src/adapters/sinks/types.ts';
import {settings} from './settings.ts';
import type {BrokerEntry, BrokerHarness} from './types.ts';

/** What `planton+bullmq` and `bullmq-direct` both give BullMQ, so they compare. */
export const BULLMQ_JOB_OPTIONS = {removeOnComplete: true} as const;

type LoadedWorker = {readonly close: () => Promise<void>; readonly events: Emitter<WorkerEvents<number> & {readonly consuming: unknown}>};

/** Opens `src/adapters/<name>/index` (`.ts` from the sources, `.js` from the build). */
const loadAdapter = async <Module>(name: string): Promise<Module> => {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

  return await import(new URL(`../../src/adapters/${name}/index${extension}`, import.meta.url).href) as Module;
};

const createName = () => {
  return `bench-sinks-${randomUUID().slice(0, 12)}`;
};

/** Resolves once the worker consumes, with the part of it the measurement uses. */
const waitForConsuming = async (worker: LoadedWorker): Promise<{readonly close: () => Promise<void>; readonly events: Emitter<WorkerEvents<number>>}> => {
  await new Promise<void>((resolve) => {
    worker.events.once('consuming', () => {
      resolve();
    });
    // In case it consumed before this listener was attached.
    setTimeout(resolve, 5_000).unref();
  });

  return {close: worker.close, events: worker.events as unknown as Emitter<WorkerEvents<number>>};
};

/**
 * `planton+bullmq`: the worker checks every job's execution before it runs (the checks of the jobs
 * taken together cost one `heartbeatExecutions` statement).
 */
const bullmq: BrokerEntry = {
  load: async (url) => {
    const queueName = createName();
    const prefix = queueName;

    return {
      cleanUp: async () => {
        const connection = new Redis(url, {maxRetriesPerRequest: null});
        const queue = new Queue(queueName, {connection, prefix});

        await queue.obliterate({force: true});
        await queue.close();
        connection.disconnect();
      },
      createSink: async () => createBullMqSink<number>({jobOptions: BULLMQ_JOB_OPTIONS, prefix, queueName, url}),
      createWorker: async ({processor, store}) => {
        const worker = createBullMqWorker<number>({
          completionBatchSize: settings.completionBatch,
          completionConcurrency: settings.completionConcurrency,
          concurrency: settings.workerConcurrency,
          heartbeatInterval: 60_000,
          prefix,
          processor,
          queueName,
          store,
          url,
        });

        await worker.waitUntilReady();

        return worker;
      },
      settings: `sink: addBulk per macrotask, up to 1,000 jobs, 2 calls in flight (job id = task/execution), removeOnComplete; worker: concurrency ${settings.workerConcurrency}, completeExecutions batches up to ${settings.completionBatch} (${settings.completionConcurrency} in flight), checks batched through heartbeatExecutions`,
    };
  },
  service: 'redis',
  system: 'planton+bullmq',
};

type RabbitMqModule = {
  readonly createRabbitMqSink: (configuration: {readonly exchange: string; readonly routingKey: string; readonly url: string}) => Promise<Sink<number>>;
  readonly createRabbitMqWorker: (configuration: {readonly prefetch: number; readonly processor: SinkProcessor<number>; readonly queue: string; readonly store: WorkerStore<number>; readonly url: string}) => Promise<LoadedWorker>;
};

const rabbitmq: BrokerEntry = {
  load: async (url) => {
    const {createRabbitMqSink, createRabbitMqWorker} = await loadAdapter<RabbitMqModule>('rabbitmq');
    const queue = createName();

    return {
      cleanUp: async () => {
        const {connect} = await import('amqplib');
        const connection = await connect(url);
        const channel = await connection.createChannel();

        await channel.deleteQueue(queue);
        await connection.close();
      },
      // The default exchange routes by queue name.
      createSink: async () => await createRabbitMqSink({exchange: '', routingKey: queue, url}),
      createWorker: async ({processor, store}) => {
        return await waitForConsuming(await createRabbitMqWorker({prefetch: settings.workerConcurrency, processor, queue, store, url}));
      },
      settings: `sink: confirm channel, default exchange; worker: prefetch ${settings.workerConcurrency}`,
    };
  },
  service: 'amqp',
  system: 'planton+rabbitmq',
};

type NatsModule = {
  readonly createNatsSink: (configuration: {readonly stream: string; readonly subject: string; readonly url: string}) => Promise<Sink<number>>;
  readonly createNatsWorker: (configuration: {readonly concurrency: number; readonly consumer: string; readonly processor: SinkProcessor<number>; readonly store: WorkerStore<number>; readonly stream: string; readonly subject: string; readonly url: string}) => Promise<LoadedWorker>;
};

const nats: BrokerEntry = {
  load: async (url) => {
    const {createNatsSink, createNatsWorker} = await loadAdapter<NatsModule>('nats');
    const stream = createName();
    const subject = `${stream}.items`;

    return {
      cleanUp: async () => {
        const {connect} = await import('nats');
        const connection = await connect({servers: url});
        const manager = await connection.jetstreamManager();

        await manager.streams.delete(stream).catch(() => false);
        await connection.close();
      },
      createSink: async () => await createNatsSink({stream, subject, url}),
      createWorker: async ({processor, store}) => {
        return await waitForConsuming(await createNatsWorker({concurrency: settings.workerConcurrency, consumer: 'bench', processor, store, stream, subject, url}));
      },
      settings: `sink: JetStream publish acks; worker: durable pull consumer, concurrency ${settings.workerConcurrency}`,
    };
  },
  service: 'nats',
  system: 'planton+nats',
};

export const brokers: readonly BrokerEntry[] = [
  bullmq,
  rabbitmq,
  nats,
];

/** The harness type, for the measurement. */
export type {BrokerHarness};
