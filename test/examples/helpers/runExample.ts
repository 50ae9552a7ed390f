import type {ChildProcess} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import type {ExecutionContext} from 'ava';
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

/**
 * Runs the example with `--watch --users 2000` (and `args`), sends SIGTERM once it dispatches (the
 * shutdown must wait for the batches in flight), and checks that it shut down cleanly: exit 0, an
 * INTERRUPTED summary from `database` with no errors, the shutdown said on stderr.
 */
export const checkWatchShutdown = async (t: ExecutionContext, example: 'mysql' | 'postgres' | 'sqlite', {args = [], database, environment, unset}: {
  readonly args?: readonly string[];
  readonly database: string;
  readonly environment?: Readonly<Record<string, string>>;
  readonly unset?: readonly string[];
}): Promise<void> => {
  let signalled = false;
  const run = await runExample(example, ['--watch', '--users', '2000', ...args], {
    environment,
    onStdout: (output, child) => {
      if (!signalled && output.includes('(--watch: Ctrl-C to stop)')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    },
    unset,
  });

  t.true(signalled);
  t.is(run.code, 0, run.stderr);
  t.like(run.summary, {database, errors: 0, state: 'INTERRUPTED', users: 2_000, verified: false});
  t.regex(run.stderr, /SIGTERM: shutting down/u);
};
