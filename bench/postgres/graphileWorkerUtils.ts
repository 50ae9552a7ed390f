/** What both graphile-worker measurements share: a silent logger and its schema, migrated. */
import {Logger, makeWorkerUtils, type WorkerUtils} from 'graphile-worker';
import {BENCH_URL} from './settings.ts';

export const silent = new Logger(() => () => {
  // Quiet: stdout carries the JSON line.
});

/** graphile-worker's utilities on `schema`, its tables created. */
export const migrateWorkerUtils = async (schema: string): Promise<WorkerUtils> => {
  const utils = await makeWorkerUtils({connectionString: BENCH_URL, logger: silent, schema});

  await utils.migrate();

  return utils;
};
