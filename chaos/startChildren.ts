import {once} from 'node:events';
import {fileURLToPath} from 'node:url';
import {spawnFixture} from '../test/helpers/spawnFixture.ts';
import {withDeadline} from '../test/helpers/withDeadline.ts';
import type {Cleanup} from './createCleanup.ts';
import type {FixtureMessage} from './fixtures/settings.ts';

export type ChaosChild = {
  /** kill -9; resolves once it exited. */
  readonly kill: () => Promise<void>;
  readonly pid: number;
};

export type ChaosChildren = {
  readonly children: readonly ChaosChild[];
  /** The error codes the children reported, counted. */
  readonly errors: Record<string, number>;
  /** kill -9 of every child still running. */
  readonly killAll: () => Promise<void>;
};

/**
 * Starts `count` copies of the fixture `name` (chaos/fixtures/NAME.ts) with `environment`, and
 * resolves once each said it is ready. Each is killed at the end of the run at the latest.
 */
export const startChildren = async ({cleanup, count, environment, errors = {}, name}: {
  readonly cleanup: Cleanup;
  readonly count: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly errors?: Record<string, number>;
  readonly name: string;
}): Promise<ChaosChildren> => {
  const path = fileURLToPath(new URL(`fixtures/${name}.ts`, import.meta.url));
  const children: ChaosChild[] = [];

  for (let index = 0; index < count; index++) {
    // Roarr logs would land on the run's stdout, between the JSON lines.
    const {child, onMessage, messages, waitFor} = spawnFixture<FixtureMessage>(path, {...environment, ROARR_LOG: ''});
    const exited = once(child, 'exit');
    let killing = false;
    const kill = async () => {
      killing = true;

      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    };
    let counted = 0;

    // A child that exits by itself is a failure the run must show.
    child.once('exit', (code, signal) => {
      if (!killing) {
        errors.CHILD_EXITED = (errors.CHILD_EXITED ?? 0) + 1;
        process.stderr.write(`chaos: ${name} ${String(child.pid)} exited by itself (${String(code)}, ${String(signal)})\n`);
      }
    });

    onMessage(() => {
      for (const message of messages.slice(counted)) {
        if (message.type === 'error') {
          errors[message.code] = (errors[message.code] ?? 0) + 1;

          if (process.env.CHAOS_VERBOSE === 'true') {
            process.stderr.write(`${name} ${String(child.pid)}: ${message.code} ${message.message}\n`);
          }
        }
      }

      counted = messages.length;
    });
    cleanup.add(`${name} ${String(child.pid)}`, kill);
    await withDeadline(waitFor((message): message is Extract<FixtureMessage, {type: 'ready'}> => message.type === 'ready'), `${name} to be ready`, 60_000);
    children.push({kill, pid: child.pid ?? 0});
  }

  return {
    children,
    errors,
    killAll: async () => {
      await Promise.all(children.map(async (child) => await child.kill()));
    },
  };
};
