import {type ChildProcess, spawn} from 'node:child_process';
import {once} from 'node:events';
import {waitForPort} from './waitForPort.ts';

export type SpawnedServer = {
  /** Resolves once the server exited after `signal` (SIGKILL after `timeout` ms). */
  readonly stop: (signal: NodeJS.Signals, timeout?: number) => Promise<void>;
};

/**
 * Runs `command` as a child process in the foreground (so it dies with the chaos run's cleanup) and
 * resolves once `port` accepts connections; rejects with the server's last output when it exits first.
 */
export const spawnServerProcess = async ({args, command, description, environment = process.env, port, timeout}: {
  readonly args: readonly string[];
  readonly command: string;
  readonly description: string;
  /** @default process.env */
  readonly environment?: NodeJS.ProcessEnv;
  readonly port: number;
  readonly timeout: number;
}): Promise<SpawnedServer> => {
  const child: ChildProcess = spawn(command, args, {env: environment, stdio: ['ignore', 'pipe', 'pipe']});
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-2_000);
  };

  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const exited = once(child, 'exit');

  await Promise.race([
    waitForPort(port, timeout, description),
    exited.then(([code, signal]) => {
      throw new Error(`${description} exited (${String(code)}, ${String(signal)}) before it answered:\n${output}`);
    }),
  ]);

  return {
    stop: async (signal, timeout = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        return;
      }

      child.kill(signal);

      const timer = setTimeout(() => {
        child.kill('SIGKILL');
      }, timeout);

      await exited;
      clearTimeout(timer);
    },
  };
};
