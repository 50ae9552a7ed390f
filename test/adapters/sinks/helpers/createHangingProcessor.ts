/**
 * What every broker's hanging worker fixture (`<broker>/fixtures/hangingWorker.ts`) shares, so that
 * a fixture is only its broker's worker: a processor that reports the message it took to the parent
 * (see spawnHangingWorker) and never finishes it, and a store that answers the "still running?"
 * check and the heartbeats but never ends an execution. Runs in the child process (no ava here).
 */
import type {SinkProcessor, WorkerStore} from '../../../../src/adapters/sinks/types.ts';
import type {HangingWorkerMessage} from './spawnHangingWorker.ts';

export const createHangingProcessor = () => {
  const report = (message: HangingWorkerMessage) => {
    process.send?.(message);
  };

  const notExpected = async () => {
    throw new Error('The hanging worker never ends an execution.');
  };

  const processor: SinkProcessor = async (message, {redelivered}) => {
    report({executionId: message.executionId ?? null, instruction: message.instruction, redelivered, type: 'processing'});
    await new Promise(() => undefined);
  };

  const store: WorkerStore = {completeExecution: notExpected, failExecution: notExpected, heartbeat: async () => undefined};

  return {processor, report, store};
};
