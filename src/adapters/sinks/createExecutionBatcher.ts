import type {TaskInstruction} from '../../planton/types.ts';
import {createBatcher} from '../../planton/createBatcher.ts';
import type {ExecutionReference} from '../types.ts';

/**
 * A store call that applies to many executions in one statement and resolves with the references
 * that were not running (they are skipped): the PostgreSQL store's `completeExecutions` and
 * `heartbeatExecutions`.
 */
export type ApplyToExecutions<Instruction extends TaskInstruction = TaskInstruction> = (references: ReadonlyArray<ExecutionReference<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;

/** `APPLIED`, or `NOT_RUNNING` when the execution had already ended (unknown, completed, failed, reaped) or came twice in one batch. */
export type ExecutionBatchResult = 'APPLIED' | 'NOT_RUNNING';

export type ExecutionBatcher<Instruction extends TaskInstruction = TaskInstruction> = {
  /** Queues the reference for the next batch; rejects with the store's error when that batch failed. */
  readonly apply: (reference: ExecutionReference<Instruction>) => Promise<ExecutionBatchResult>;
};

/**
 * Group commit of one store call over executions (completions, "is it still running?" checks):
 * the references that arrive together go to `apply` in one call (see `createBatcher`).
 */
export const createExecutionBatcher = <Instruction extends TaskInstruction = TaskInstruction>({apply, maxBatchSize, maxInFlight}: {
  readonly apply: ApplyToExecutions<Instruction>;
  /** Most references in one call. */
  readonly maxBatchSize: number;
  /** Calls in flight at once. */
  readonly maxInFlight: number;
}): ExecutionBatcher<Instruction> => {
  const batcher = createBatcher<ExecutionReference<Instruction>, ExecutionBatchResult>({
    maxBatchSize,
    maxInFlight,
    run: async (references) => {
      // Fresh objects: the store answers by identity, so a reference given twice is told apart.
      const sent = references.map((reference) => ({...reference}));
      const notRunning = new Set(await apply(sent));

      return sent.map((reference) => notRunning.has(reference) ? 'NOT_RUNNING' : 'APPLIED');
    },
  });

  return {
    apply: batcher.add,
  };
};
