import {spawn} from 'node:child_process';

/**
 * Runs one measurement in a fresh Node process (`path` with `args`) and resolves with its last stdout
 * line parsed as the metrics object, or `{error}` when there is none: the exit code and stderr's last
 * line. A child still running after `timeout` ms is killed.
 */
export const runChildProcess = async (path: string, args: readonly string[], timeout: number): Promise<Record<string, unknown>> => {
  // Roarr logs would land on stdout, between the JSON lines.
  const {ROARR_LOG: _ignored, ...environment} = process.env;
  const child = spawn(process.execPath, [path, ...args], {env: environment, stdio: ['ignore', 'pipe', 'pipe']});
  let stdout = '';
  let stderr = '';

  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });

  const timer = setTimeout(() => {
    child.kill('SIGKILL');
  }, timeout);
  let exitCode: number | null;

  try {
    exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on('close', resolve);
      child.on('error', reject);
    });
  } finally {
    clearTimeout(timer);

    // Not left running if spawning or waiting failed.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  }

  try {
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
  } catch {
    return {error: `exit ${String(exitCode)}: ${(stderr.trim().split('\n').at(-1) ?? '').slice(0, 300) || 'no output'}`};
  }
};
