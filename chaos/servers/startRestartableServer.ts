import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {findFreePort} from '../../test/helpers/findFreePort.ts';
import {spawnServerProcess} from './spawnServerProcess.ts';
import type {ServerProcess} from './types.ts';

/**
 * A server process of the chaos run's own on a free loopback port, its data in a temp directory
 * that outlives restarts: `restart` stops it with SIGTERM and starts it again on the same port and
 * data; `stop` kills it and removes the directory.
 */
export const startRestartableServer = async ({args, command, scheme}: {
  /** The command's arguments for the port and data directory given. */
  readonly args: (port: number, directory: string) => readonly string[];
  readonly command: string;
  /** The URL scheme clients connect with, e.g. `nats`. */
  readonly scheme: string;
}): Promise<ServerProcess> => {
  const port = await findFreePort();
  const directory = await mkdtemp(join(tmpdir(), `planton-chaos-${command}-`));
  const start = async () => await spawnServerProcess({
    args: [...args(port, directory)],
    command,
    description: command,
    port,
    timeout: 10_000,
  });
  let server = await start();

  return {
    port,
    restart: async () => {
      const stoppedAt = Date.now();

      await server.stop('SIGTERM');
      server = await start();

      return {downMs: Date.now() - stoppedAt};
    },
    stop: async () => {
      await server.stop('SIGKILL');
      await rm(directory, {force: true, recursive: true});
    },
    url: `${scheme}://127.0.0.1:${port}`,
  };
};
