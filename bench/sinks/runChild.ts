import {spawn} from 'node:child_process';
import {join} from 'node:path';
import {settings} from './settings.ts';
import type {Metrics} from './types.ts';

/** The child as built by `npm run bench` (tsc first): JavaScript, importing the built modules as users do. */
const CHILD_PATH = join(import.meta.dirname, '../../dist/bench/sinks/child.js');

/** Runs one measurement in a fresh Node process; its last stdout line is the metrics object. */
export const runChild = async (system: string): Promise<Metrics> => {
  // Roarr logs would land on stdout, between the JSON lines.
  const {ROARR_LOG: _ignored, ...environment} = process.env;
  const child = spawn(process.execPath, [CHILD_PATH, system], {env: environment, stdio: ['ignore', 'pipe', 'pipe']});
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
  }, settings.childTimeoutMs);
  const exitCode = await new Promise<number | null>((resolve) => {
    child.on('close', resolve);
  });

  clearTimeout(timeout);

  try {
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Metrics;
  } catch {
    return {error: `exit ${String(exitCode)}: ${(stderr.trim().split('\n').at(-1) ?? '').slice(0, 300) || 'no output'}`};
  }
};
