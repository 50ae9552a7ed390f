import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {findFreePort} from '../../test/helpers/findFreePort.ts';
import {spawnServerProcess} from './spawnServerProcess.ts';
import type {ServerProcess} from './types.ts';

/**
 * A redis-server of the chaos run's own, bound to loopback as `.ci/run` starts the shared one, but
 * with an append-only file written at every command (`appendfsync always`): a queue that must
 * survive a restart needs persistence, and `.ci/run`'s `--save "" --appendonly no` would empty
 * BullMQ's queues at every restart.
 */
export const startRedisServer = async (): Promise<ServerProcess> => {
  const port = await findFreePort();
  const directory = await mkdtemp(join(tmpdir(), 'planton-chaos-redis-'));
  const start = async () => await spawnServerProcess({
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', directory],
    command: 'redis-server',
    description: 'redis-server',
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
    url: `redis://127.0.0.1:${port}`,
  };
};
