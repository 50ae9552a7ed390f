/**
 * `bullmq-direct`, the reference: the same jobs added straight to BullMQ (`addBulk`, chunks of
 * BENCH_SINKS_ADD_BULK) and consumed by a BullMQ worker of the same concurrency with a no-op
 * processor. No database, no Planton. Timed from the first add until the worker completed every job.
 */
import {randomUUID} from 'node:crypto';
import {Queue, Worker} from 'bullmq';
import {Redis} from 'ioredis';
import {BULLMQ_JOB_OPTIONS} from './brokers.ts';
import {settings} from './settings.ts';
import type {Metrics} from './types.ts';

export const measureBullMqDirect = async (url: string): Promise<Metrics> => {
  const {jobs} = settings;
  const queueName = `bench-sinks-${randomUUID().slice(0, 12)}`;
  const prefix = queueName;
  const connection = new Redis(url, {maxRetriesPerRequest: null});
  const queue = new Queue(queueName, {connection, prefix});
  let completed = 0;
  let resolveDone!: () => void;
  let rejectDone!: (error: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const worker = new Worker(queueName, async () => {
    // The no-op processor.
  }, {concurrency: settings.workerConcurrency, connection, prefix});

  worker.on('completed', () => {
    if (++completed === jobs) {
      resolveDone();
    }
  });
  worker.on('failed', (_job, error) => {
    rejectDone(error);
  });
  worker.on('error', rejectDone);
  queue.on('error', rejectDone);

  try {
    await worker.waitUntilReady();

    const startedAt = performance.now();

    for (let first = 1; first <= jobs; first += settings.addBulkSize) {
      const count = Math.min(settings.addBulkSize, jobs - first + 1);

      await queue.addBulk(Array.from({length: count}, (_, index) => ({
        data: {instruction: first + index, taskName: 'items'},
        name: 'items',
        opts: BULLMQ_JOB_OPTIONS,
      })));
    }

    await done;

    const elapsedMs = performance.now() - startedAt;

    return {
      elapsedMs: Math.round(elapsedMs),
      instructionsPerSecond: Math.round(jobs / (elapsedMs / 1_000)),
      settings: `addBulk chunks of ${settings.addBulkSize}, removeOnComplete; worker: concurrency ${settings.workerConcurrency}, no-op processor`,
    };
  } finally {
    await worker.close();
    await queue.obliterate({force: true});
    await queue.close();
    connection.disconnect();
  }
};
