import {join} from 'node:path';
import pg from 'pg';
import {runChildProcess} from '../runChildProcess.ts';
import {createSchemaName} from './jobs.ts';
import {BENCH_URL, CHILD_TIMEOUT_MS} from './settings.ts';

const CHILD_PATH = join(import.meta.dirname, 'child.ts');

/**
 * Runs one measurement in a fresh Node process on a fresh schema; its last stdout line is the metrics
 * object. The schema is dropped here, after the child, so a killed child leaves nothing behind (its
 * worker and load processes end with it: they stop when their stdin or their run ends).
 */
export const runChild = async (scenario: string, system: string): Promise<Record<string, unknown>> => {
  const schema = createSchemaName();

  try {
    return await runChildProcess(CHILD_PATH, [scenario, system, schema], CHILD_TIMEOUT_MS);
  } finally {
    const client = new pg.Client({connectionString: BENCH_URL});

    await client.connect();

    try {
      await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(schema)} CASCADE`);
    } finally {
      await client.end();
    }
  }
};
