import type {TaskInstruction} from '../../planton/types.ts';
import type {ExecutionReference} from '../types.ts';

/** `COMPLETED`, or `NOT_RUNNING` when the execution had already ended (unknown, completed, failed or reaped). */
export type CompletionOutcome = 'COMPLETED' | 'NOT_RUNNING';

export type CompletionBatcher<Instruction extends TaskInstruction> = {
  /** Resolves once the execution is recorded completed; rejects with the store's error. */
  readonly complete: (reference: ExecutionReference<Instruction>) => Promise<CompletionOutcome>;
};

type Pending<Instruction extends TaskInstruction> = {
  readonly reference: ExecutionReference<Instruction>;
  readonly reject: (error: unknown) => void;
  readonly resolve: (outcome: CompletionOutcome) => void;
};

/**
 * Group commit of completions: up to `maxFlushes` `completeExecutions` statements at a time; the
 * completions that arrive while they run go together in the next one (at most `batchSize`), and a
 * completion waits at most one macrotask for its neighbours. No timer: under load batches grow by
 * themselves, at rest a completion costs one statement.
 */
export const createCompletionBatcher = <Instruction extends TaskInstruction>({batchSize, completeExecutions, maxFlushes}: {
  readonly batchSize: number;
  /** Statements in flight at once. */
  readonly maxFlushes: number;
  readonly completeExecutions: (references: ReadonlyArray<ExecutionReference<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;
}): CompletionBatcher<Instruction> => {
  let pending: Array<Pending<Instruction>> = [];
  let flushing = 0;
  let scheduled = false;

  const flush = async () => {
    scheduled = false;

    if (flushing >= maxFlushes || pending.length === 0) {
      return;
    }

    flushing++;

    const batch = pending.slice(0, batchSize);

    pending = pending.slice(batch.length);
    // What is left goes out in the next statement, if one is free.
    schedule();

    try {
      // Fresh reference objects, so that a reference given twice is told apart by identity.
      const references = batch.map(({reference}) => ({...reference}));
      const notRunning = new Set(await completeExecutions(references));

      for (const [index, entry] of batch.entries()) {
        entry.resolve(notRunning.has(references[index] as ExecutionReference<Instruction>) ? 'NOT_RUNNING' : 'COMPLETED');
      }
    } catch (error) {
      for (const entry of batch) {
        entry.reject(error);
      }
    } finally {
      flushing--;
      schedule();
    }
  };

  function schedule () {
    if (!scheduled && flushing < maxFlushes && pending.length > 0) {
      scheduled = true;
      setImmediate(() => {
        void flush();
      });
    }
  }

  return {
    complete: (reference) => {
      return new Promise<CompletionOutcome>((resolve, reject) => {
        pending.push({reference, reject, resolve});
        schedule();
      });
    },
  };
};
