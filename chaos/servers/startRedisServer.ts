import {startRestartableServer} from './startRestartableServer.ts';
import type {ServerProcess} from './types.ts';

/**
 * A redis-server of the chaos run's own, bound to loopback as `.ci/run` starts the shared one, but
 * with an append-only file written at every command (`appendfsync always`): a queue that must
 * survive a restart needs persistence, and `.ci/run`'s `--save "" --appendonly no` would empty
 * BullMQ's queues at every restart.
 */
export const startRedisServer = async (): Promise<ServerProcess> => await startRestartableServer({
  args: (port, directory) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', directory],
  command: 'redis-server',
  scheme: 'redis',
});
