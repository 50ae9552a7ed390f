import type {TaskInstruction} from '../planton/types.ts';
import type {CompleteExecutions} from './sinkTypes.ts';
import type {ExecutionReference} from './types.ts';

/** Whether `complete` recorded the execution COMPLETED, or found it not running (already ended). */
export type CompletionResult = 'COMPLETED' | 'NOT_RUNNING';

export type CompletionBatcher<Instruction extends TaskInstruction = TaskInstruction> = {
  /** Queues the reference for the next batch; rejects with the store's error when that batch failed. */
  readonly complete: (reference: ExecutionReference<Instruction>) => Promise<CompletionResult>;
};

type Pending<Instruction extends TaskInstruction> = {
  readonly reference: ExecutionReference<Instruction>;
  readonly reject: (error: unknown) => void;
  readonly resolve: (result: CompletionResult) => void;
};

/**
 * Group commit for completions: the first completion is sent on the next macrotask with every other
 * one that arrived meanwhile; completions that arrive while a batch is in flight wait for it and go
 * together in the next one (at most `maxBatchSize` per statement). One statement serves many
 * messages without a timer that would add latency to a lone one.
 */
export const createCompletionBatcher = <Instruction extends TaskInstruction = TaskInstruction>({completeExecutions, maxBatchSize}: {
  readonly completeExecutions: CompleteExecutions<Instruction>;
  readonly maxBatchSize: number;
}): CompletionBatcher<Instruction> => {
  const queue: Array<Pending<Instruction>> = [];
  let flushing = false;

  const flush = async () => {
    while (queue.length > 0) {
      const batch = queue.splice(0, maxBatchSize);

      try {
        const notRunning = new Set(await completeExecutions(batch.map((pending) => pending.reference)));

        for (const pending of batch) {
          pending.resolve(notRunning.has(pending.reference) ? 'NOT_RUNNING' : 'COMPLETED');
        }
      } catch (error) {
        for (const pending of batch) {
          pending.reject(error);
        }
      }
    }

    flushing = false;
  };

  return {
    complete: async (reference) => {
      return await new Promise<CompletionResult>((resolve, reject) => {
        queue.push({reference, reject, resolve});

        if (!flushing) {
          flushing = true;
          setImmediate(() => {
            void flush();
          });
        }
      });
    },
  };
};
