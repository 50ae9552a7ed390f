import type {ChildProcess} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {type NodeScriptResult, runNodeScript} from '../../helpers/runNodeScript.ts';

export type ExampleRun = NodeScriptResult & {
  /** The `{"summary": …}` line the example prints last; null when there is none. */
  readonly summary: Record<string, unknown> | null;
};

/** The `{"summary": …}` line the example prints last. */
const parseSummary = (stdout: string): Record<string, unknown> | null => {
  const line = stdout.trim().split('\n').at(-1) ?? '';

  try {
    return (JSON.parse(line) as {summary?: Record<string, unknown>}).summary ?? null;
  } catch {
    return null;
  }
};

/**
 * Runs examples/<example>/main.ts (stdout is a pipe, so no progress bar) in this process's
 * environment without the `unset` variables, plus `environment`; `onStdout` sees the output as it comes.
 */
export const runExample = async (example: 'mysql' | 'postgres' | 'sqlite', args: readonly string[], {environment = {}, onStdout, unset = []}: {
  readonly environment?: Readonly<Record<string, string>>;
  readonly onStdout?: (output: string, child: ChildProcess) => void;
  readonly unset?: readonly string[];
} = {}): Promise<ExampleRun> => {
  const env: NodeJS.ProcessEnv = {...process.env};

  for (const name of unset) {
    delete env[name];
  }

  const main = fileURLToPath(new URL(`../../../examples/${example}/main.ts`, import.meta.url));
  const result = await runNodeScript(main, args, {env: {...env, ...environment}, onStdout});

  return {...result, summary: parseSummary(result.stdout)};
};
