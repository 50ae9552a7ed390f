/**
 * graphile-worker 0.18: 20,000 jobs added in bulk (`addJobs`) before the clock starts, then `run`
 * with a no-op task until its jobs table is empty (a completed job is deleted). Settings: the
 * fastest measured here (localQueue 2000 beat the 500 of earlier measurements: ~24,000 vs ~19,000).
 */
import {performance} from 'node:perf_hooks';
import {run} from 'graphile-worker';
import {createDeferred, createSchemaName, dropSchema, waitUntilZero, withClient} from '../database.ts';
import {migrateWorkerUtils, silent} from '../graphileWorkerUtils.ts';
import {BENCH_URL, JOB_COUNT} from '../settings.ts';

const CONCURRENCY = Number(process.env.BENCH_GW_CONCURRENCY ?? 10);
const LOCAL_QUEUE = Number(process.env.BENCH_GW_LOCAL_QUEUE ?? 2_000);
const COMPLETE_BATCH_DELAY = Number(process.env.BENCH_GW_COMPLETE_BATCH_DELAY ?? 50);

export const settings = `concurrency ${CONCURRENCY}, localQueue.size ${LOCAL_QUEUE}, completeJobBatchDelay ${COMPLETE_BATCH_DELAY} ms, pool ${CONCURRENCY + 2}`;

export const measure = async () => {
  const schema = createSchemaName('graphile_worker');

  try {
    const utils = await migrateWorkerUtils(schema);
    await utils.addJobs(Array.from({length: JOB_COUNT}, (_, index) => ({identifier: 'noop', payload: {id: index + 1}})));
    await utils.release();

    const done = createDeferred<void>();
    let handled = 0;
    let firstAt: number | undefined;

    const startedAt = performance.now();
    const runner = await run({
      concurrency: CONCURRENCY,
      connectionString: BENCH_URL,
      logger: silent,
      maxPoolSize: CONCURRENCY + 2,
      noHandleSignals: true,
      pollInterval: 1_000,
      preset: {
        worker: {
          completeJobBatchDelay: COMPLETE_BATCH_DELAY,
          localQueue: {size: LOCAL_QUEUE},
        },
      },
      schema,
      taskList: {
        noop: async () => {
          firstAt ??= performance.now();

          if (++handled === JOB_COUNT) {
            done.resolve();
          }
        },
      },
    });

    await done.promise;
    await withClient(async (client) => {
      await waitUntilZero(client, `SELECT count(*) FROM ${client.escapeIdentifier(schema)}._private_jobs`);
    });

    const elapsedMs = performance.now() - startedAt;

    await runner.stop();

    return {elapsedMs: Math.round(elapsedMs), startupMs: Math.round((firstAt ?? startedAt) - startedAt), rowsPerSecond: Math.round(JOB_COUNT / (elapsedMs / 1_000)), settings};
  } finally {
    await dropSchema(schema);
  }
};
