import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {findFreePort} from '../../test/helpers/findFreePort.ts';
import {spawnServerProcess} from './spawnServerProcess.ts';
import type {ServerProcess} from './types.ts';

/** A nats-server with JetStream of the chaos run's own (flags as `.ci/run` starts the shared one), its store in a temp directory. */
export const startNatsServer = async (): Promise<ServerProcess> => {
  const port = await findFreePort();
  const directory = await mkdtemp(join(tmpdir(), 'planton-chaos-nats-'));
  const start = async () => await spawnServerProcess({
    args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', directory],
    command: 'nats-server',
    description: 'nats-server',
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
    url: `nats://127.0.0.1:${port}`,
  };
};
