/**
 * Starts a broker's hanging worker fixture (`<broker>/fixtures/hangingWorker.ts`) in a child
 * process: a real consumer that takes a message and never finishes it, so that a test can SIGKILL
 * it mid-processing and watch the broker hand the message to another worker.
 */
import {once} from 'node:events';
import type {ExecutionContext} from 'ava';
import {spawnFixture} from '../../../helpers/spawnFixture.ts';
import {withDeadline} from '../../../helpers/withDeadline.ts';

/** What a hanging worker tells its parent over IPC: that it consumes, then which message it took. */
export type HangingWorkerMessage =
  | {readonly executionId: number | null; readonly instruction: number | string; readonly redelivered: boolean; readonly type: 'processing'}
  | {readonly type: 'consuming'};

export type HangingWorker = {
  /** SIGKILLs the worker (no clean-up, no goodbye to the broker) and resolves with the signal it died of. */
  readonly kill: () => Promise<NodeJS.Signals | null>;
  /** Resolves with the first message of `type` (already received or to come); rejects if the worker exits first. */
  readonly received: <Type extends HangingWorkerMessage['type']>(type: Type) => Promise<Extract<HangingWorkerMessage, {readonly type: Type}>>;
};

export type HangingWorkerConfiguration = {
  /** Variables added to this process's environment (the fixture reads its broker and queue from them). */
  readonly environment: Readonly<Record<string, string>>;
  /** The fixture's path. */
  readonly fixture: string;
};

/** Spawns the fixture; the test's teardown kills it if it is still alive. */
export const spawnHangingWorker = (t: ExecutionContext, configuration: HangingWorkerConfiguration): HangingWorker => {
  const {child, waitFor} = spawnFixture<HangingWorkerMessage>(configuration.fixture, configuration.environment);

  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  });

  return {
    kill: async () => {
      const exited = once(child, 'exit');

      child.kill('SIGKILL');

      return (await exited)[1] as NodeJS.Signals | null;
    },
    received: async <Type extends HangingWorkerMessage['type']>(type: Type) => {
      return await withDeadline(waitFor((message): message is Extract<HangingWorkerMessage, {readonly type: Type}> => message.type === type), `the hanging worker's "${type}"`);
    },
  };
};
