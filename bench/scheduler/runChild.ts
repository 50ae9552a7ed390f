import {spawn} from 'node:child_process';
import {join} from 'node:path';
import {createPool} from 'slonik';
import {createSchemaName, dropSchema} from './database.ts';
import {BENCH_URL, CHILD_TIMEOUT_MS} from './settings.ts';

const CHILD_PATH = join(import.meta.dirname, 'child.ts');

/**
 * Runs one measurement in a fresh Node process on a fresh schema; its last stdout line is the metrics
 * object. The schema is dropped here, after the child, so a killed child leaves nothing behind.
 */
export const runChild = async (scenario: string): Promise<Record<string, unknown>> => {
  // Roarr logs would land on stdout, between the JSON lines.
  const {ROARR_LOG: _ignored, ...environment} = process.env;
  const schema = createSchemaName();
  const child = spawn(process.execPath, [CHILD_PATH, scenario, schema], {env: environment, stdio: ['ignore', 'pipe', 'pipe']});
  let stdout = '';
  let stderr = '';

  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });

  const timeout = setTimeout(() => {
    child.kill('SIGKILL');
  }, CHILD_TIMEOUT_MS);
  const exitCode = await new Promise<number | null>((resolve) => {
    child.on('close', resolve);
  });

  clearTimeout(timeout);

  const pool = await createPool(BENCH_URL, {maximumPoolSize: 1});

  try {
    await dropSchema(pool, schema);
  } finally {
    await pool.end();
  }

  const last = stdout.trim().split('\n').at(-1) ?? '';

  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    return {error: `exit ${String(exitCode)}: ${(stderr.trim().split('\n').at(-1) ?? '').slice(0, 300) || 'no output'}`};
  }
};
