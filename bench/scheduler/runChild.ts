import {join} from 'node:path';
import {createPool} from 'slonik';
import {runChildProcess} from '../runChildProcess.ts';
import {createSchemaName, dropSchema} from './database.ts';
import {BENCH_URL, CHILD_TIMEOUT_MS} from './settings.ts';

const CHILD_PATH = join(import.meta.dirname, 'child.ts');

/**
 * Runs one measurement in a fresh Node process on a fresh schema; its last stdout line is the metrics
 * object. The schema is dropped here, after the child, so a killed child leaves nothing behind.
 */
export const runChild = async (scenario: string): Promise<Record<string, unknown>> => {
  const schema = createSchemaName();
  const metrics = await runChildProcess(CHILD_PATH, [scenario, schema], CHILD_TIMEOUT_MS);
  const pool = await createPool(BENCH_URL, {maximumPoolSize: 1});

  try {
    await dropSchema(pool, schema);
  } finally {
    await pool.end();
  }

  return metrics;
};
