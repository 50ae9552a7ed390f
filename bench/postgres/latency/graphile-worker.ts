/**
 * graphile-worker 0.18 idle (pollInterval 60 s; its LISTEN/NOTIFY on job insert wakes it): latency
 * from `addJob`'s commit to the handler's start.
 */
import {run} from 'graphile-worker';
import {createSchemaName, dropSchema} from '../database.ts';
import {migrateWorkerUtils, silent} from '../graphileWorkerUtils.ts';
import {BENCH_URL} from '../settings.ts';
import {createLatencyProbe} from './insertSamples.ts';

export const settings = 'defaults (concurrency 1, no localQueue), pollInterval 60 s: woken by its own LISTEN/NOTIFY; addJob through WorkerUtils';

export const measure = async () => {
  const schema = createSchemaName('graphile_worker');

  try {
    const utils = await migrateWorkerUtils(schema);

    const probe = createLatencyProbe();
    const runner = await run({
      connectionString: BENCH_URL,
      logger: silent,
      noHandleSignals: true,
      pollInterval: 60_000,
      schema,
      taskList: {
        probe: async (payload) => {
          probe.seen((payload as {id: number}).id);
        },
      },
    });

    const result = await probe.run(async (id) => {
      await utils.addJob('probe', {id});
    });

    await runner.stop();
    await utils.release();

    return {...result, settings};
  } finally {
    await dropSchema(schema);
  }
};
