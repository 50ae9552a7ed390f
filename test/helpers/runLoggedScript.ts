import {spawnSync} from 'node:child_process';

/** One JSON line the script printed: a roarr log line (`context`, `message`) or the script's own. */
export type ScriptLine = {readonly [key: string]: unknown; readonly context?: Record<string, unknown>; readonly message?: string};

/**
 * Runs `script` (an ES module, imports relative to the repository's root) in a child process of this
 * Node with roarr logging on, and returns its exit status, its stderr and its stdout's JSON lines.
 * A child process, so a failure that kills a user's process (an unhandled rejection) kills only it.
 */
export const runLoggedScript = (script: string): {readonly lines: readonly ScriptLine[]; readonly status: number | null; readonly stderr: string} => {
  const child = spawnSync(process.execPath, ['--input-type=module', '--eval', script], {
    cwd: new URL('../..', import.meta.url),
    encoding: 'utf8',
    env: {...process.env, ROARR_LOG: 'true'},
    timeout: 30_000,
  });
  const lines = child.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as ScriptLine);

  return {lines, status: child.status, stderr: child.stderr};
};
