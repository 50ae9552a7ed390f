import {execFile} from 'node:child_process';
import {chown, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {findFreePort} from '../../test/helpers/findFreePort.ts';
import {spawnServerProcess} from './spawnServerProcess.ts';
import type {ServerProcess} from './types.ts';

const run = promisify(execFile);

/**
 * A second RabbitMQ node beside the shared one (`rabbit@localhost`): its own node name, AMQP and
 * distribution ports, config file (the system's pins the listener to 5672), an empty plugin list
 * (no management plugin), and its database and logs in a temp directory owned by the `rabbitmq`
 * user the server script switches to. It shares the machine's epmd and Erlang cookie. Booting takes
 * about 9 s here, a restart about 6.5 s: `rabbitmqctl await_startup` tells when it takes logins.
 */
export const startRabbitMqServer = async (): Promise<ServerProcess> => {
  const port = await findFreePort();
  const distributionPort = await findFreePort();
  const node = `planton-chaos-${process.pid}@localhost`;
  const directory = await mkdtemp(join(tmpdir(), 'planton-chaos-rabbitmq-'));
  const [{stdout: uid}, {stdout: gid}] = await Promise.all([run('id', ['-u', 'rabbitmq']), run('id', ['-g', 'rabbitmq'])]);

  await mkdir(join(directory, 'mnesia'));
  await mkdir(join(directory, 'log'));
  await writeFile(join(directory, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${port}\nloopback_users = none\n`);
  await writeFile(join(directory, 'enabled_plugins'), '[].\n');

  for (const path of ['', 'mnesia', 'log', 'rabbitmq.conf', 'enabled_plugins']) {
    await chown(join(directory, path), Number(uid.trim()), Number(gid.trim()));
  }

  const environment = {
    ...process.env,
    RABBITMQ_CONFIG_FILE: join(directory, 'rabbitmq.conf'),
    RABBITMQ_DIST_PORT: String(distributionPort),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(directory, 'enabled_plugins'),
    RABBITMQ_LOG_BASE: join(directory, 'log'),
    RABBITMQ_MNESIA_BASE: join(directory, 'mnesia'),
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_PID_FILE: join(directory, 'pid'),
  };
  const rabbitmqctl = async (args: readonly string[], timeout: number) => {
    return await run('rabbitmqctl', ['-n', node, ...args], {env: environment, timeout});
  };
  const start = async () => {
    const server = await spawnServerProcess({args: [], command: 'rabbitmq-server', description: 'rabbitmq-server', port, timeout: 90_000, environment});

    // The AMQP port opens before the broker takes logins.
    await rabbitmqctl(['await_startup'], 90_000);

    return server;
  };
  let server = await start();

  /** The Erlang VM's pid: the server script runs it under `su`, so killing the script may leave it behind. */
  const killVm = async () => {
    const pid = Number((await readFile(join(directory, 'pid'), 'utf8').catch(() => '')).trim());

    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  };

  return {
    port,
    restart: async () => {
      const stoppedAt = Date.now();

      await rabbitmqctl(['stop'], 60_000);
      await server.stop('SIGTERM');
      server = await start();

      return {downMs: Date.now() - stoppedAt};
    },
    stop: async () => {
      await rabbitmqctl(['stop'], 20_000).catch(() => undefined);
      await killVm();
      await server.stop('SIGKILL');
      await rm(directory, {force: true, recursive: true});
    },
    url: `amqp://guest:guest@127.0.0.1:${port}`,
  };
};
