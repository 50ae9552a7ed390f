import {type ChildProcess, spawn} from 'node:child_process';
import {once} from 'node:events';
import {mkdtemp, rm} from 'node:fs/promises';
import {connect as connectTcp} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {ExecutionContext} from 'ava';
import {findFreePort} from '../../../helpers/findFreePort.ts';
import {withDeadline} from '../../../helpers/withDeadline.ts';

/** The nats-server binary (`PLANTON_TEST_NATS_SERVER`, else `nats-server` on the PATH, as `.ci/run` runs it). */
const NATS_SERVER = process.env.PLANTON_TEST_NATS_SERVER || 'nats-server';

export type NatsServerProcess = {
  /** Starts the server again on the same port and store directory; resolves once it accepts clients. */
  readonly start: () => Promise<void>;
  /**
   * Stops the server as it is stopped in production (SIGTERM) and resolves once it exited, with how
   * it closed a raw TCP connection opened to it beforehand: `FIN` (a clean close) or `RST`.
   */
  readonly stop: () => Promise<'FIN' | 'RST'>;
  readonly url: string;
};

/**
 * A nats-server with JetStream of the test's own, on a free loopback port with a fresh store
 * directory, so a test may stop and restart it without touching the shared server. Resolves once it
 * accepts clients; the test's teardown kills it and removes the directory. `extraArguments` go on
 * its command line (`--user`, `--pass`, say).
 */
export const startNatsServer = async (t: ExecutionContext, extraArguments: readonly string[] = []): Promise<NatsServerProcess> => {
  const port = await findFreePort();
  const storeDirectory = await mkdtemp(join(tmpdir(), 'planton-nats-'));
  let server: ChildProcess | null = null;

  const isRunning = (candidate: ChildProcess | null): candidate is ChildProcess => {
    return candidate !== null && candidate.exitCode === null && candidate.signalCode === null;
  };

  t.teardown(async () => {
    if (isRunning(server)) {
      const exited = once(server, 'exit');

      server.kill('SIGKILL');
      await exited;
    }

    await rm(storeDirectory, {force: true, recursive: true});
  });

  const start = async () => {
    const started = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDirectory, ...extraArguments], {stdio: ['ignore', 'ignore', 'pipe']});
    let log = '';

    server = started;
    await withDeadline(new Promise<void>((resolve, reject) => {
      started.stderr?.on('data', (chunk: Buffer) => {
        log += chunk.toString();

        if (log.includes('Server is ready')) {
          resolve();
        }
      });
      started.once('error', reject);
      started.once('exit', (code, signal) => {
        reject(new Error(`nats-server exited (${String(code)}, ${String(signal)}) before it was ready:\n${log}`));
      });
    }), 'nats-server to be ready');
  };

  /** A raw connection that has read the server's INFO: it tells how the server closes its connections. */
  const openProbe = async () => {
    const probe = connectTcp(port, '127.0.0.1');
    let closedBy: 'FIN' | 'RST' = 'FIN';
    const closed = once(probe, 'close');

    probe.on('error', () => {
      closedBy = 'RST';
    });
    await once(probe, 'data');
    probe.resume();

    return async () => {
      await closed;

      return closedBy;
    };
  };

  await start();

  return {
    start,
    stop: async () => {
      const running = server;

      if (!isRunning(running)) {
        throw new Error('nats-server is not running.');
      }

      const closed = await openProbe();
      const exited = once(running, 'exit');

      running.kill('SIGTERM');
      await withDeadline(exited, 'nats-server to stop');

      return await withDeadline(closed(), 'the probe connection to close');
    },
    url: `nats://127.0.0.1:${port}`,
  };
};
