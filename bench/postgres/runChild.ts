import {spawn} from 'node:child_process';
import {join} from 'node:path';
import {CHILD_TIMEOUT_MS} from './settings.ts';

const CHILD_PATH = join(import.meta.dirname, 'child.ts');

/** Runs one measurement in a fresh Node process; its last stdout line is the metrics object. */
export const runChild = async (scenario: string, system: string): Promise<Record<string, unknown>> => {
  // Roarr logs would land on stdout, between the JSON lines.
  const {ROARR_LOG: _ignored, ...environment} = process.env;
  const child = spawn(process.execPath, [CHILD_PATH, scenario, system], {env: environment, stdio: ['ignore', 'pipe', 'pipe']});
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

  const last = stdout.trim().split('\n').at(-1) ?? '';

  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    return {error: `exit ${String(exitCode)}: ${(stderr.trim().split('\n').at(-1) ?? '').slice(0, 300) || 'no output'}`};
  }
};
