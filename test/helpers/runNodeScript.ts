import {type ChildProcess, spawn} from 'node:child_process';

export type NodeScriptResult = {
  readonly code: number | null;
  readonly stderr: string;
  readonly stdout: string;
};

/**
 * Runs `node <script> …args` in a child process of this Node (stdout and stderr are pipes, so no
 * TTY output) and resolves its exit code and output once it closes. `onStdout` sees the output so
 * far each time some comes, with the child (to signal it at a given point).
 */
export const runNodeScript = async (script: string, args: readonly string[], {env, onStdout}: {
  readonly env: NodeJS.ProcessEnv;
  readonly onStdout?: (output: string, child: ChildProcess) => void;
}): Promise<NodeScriptResult> => {
  const child = spawn(process.execPath, [script, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']});
  let stdout = '';
  let stderr = '';

  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    onStdout?.(stdout, child);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });

  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });

  return {code, stderr, stdout};
};
