import {startRestartableServer} from './startRestartableServer.ts';
import type {ServerProcess} from './types.ts';

/** A nats-server with JetStream of the chaos run's own (flags as `.ci/run` starts the shared one), its store in a temp directory. */
export const startNatsServer = async (): Promise<ServerProcess> => await startRestartableServer({
  args: (port, directory) => ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', directory],
  command: 'nats-server',
  scheme: 'nats',
});
