import {createBatcher} from '../../planton/createBatcher.ts';
import type {PlantonError} from '../../planton/errors.ts';
import type {Clock, TaskInstruction} from '../../planton/types.ts';
import {ProcessorStoreError, type ProcessorStoreOperation} from '../errors.ts';
import {calculateBackoffDelay} from '../sinks/calculateBackoffDelay.ts';
import type {ExecutionReference} from '../types.ts';
import type {ProcessorStore} from './types.ts';

const RETRY_INITIAL_DELAY = 100;
const RETRY_MAX_DELAY = 5_000;

/** What to record for one execution: completed (`failure` null) or failed with `failure.error`. */
export type Outcome<Instruction extends TaskInstruction = TaskInstruction> = {
  readonly failure: {readonly error: unknown} | null;
  readonly reference: ExecutionReference<Instruction>;
};

/**
 * `APPLIED`; `NOT_RUNNING` when the execution had already ended (reaped, ended elsewhere);
 * `ABANDONED` when the write kept failing until the stop deadline (the execution stays RUNNING).
 */
export type OutcomeWriteResult = 'ABANDONED' | 'APPLIED' | 'NOT_RUNNING';

export type OutcomeWriter<Instruction extends TaskInstruction = TaskInstruction> = {
  /** Queues the outcome for the next write; resolves once it is written (or given up). Never rejects. */
  readonly write: (outcome: Outcome<Instruction>) => Promise<OutcomeWriteResult>;
};

const isNotRunning = (error: unknown) => {
  return (error as {code?: unknown} | null)?.code === 'EXECUTION_NOT_RUNNING';
};

/** One store call per item (a store without the batch forms): the references found not running, or the first other error. */
const applyEach = async <Item, Instruction extends TaskInstruction>(
  items: readonly Item[],
  apply: (item: Item) => Promise<void>,
  getReference: (item: Item) => ExecutionReference<Instruction>,
): Promise<ReadonlyArray<ExecutionReference<Instruction>>> => {
  const settled = await Promise.allSettled(items.map(async (item) => {
    await apply(item);
  }));
  const notRunning: Array<ExecutionReference<Instruction>> = [];

  for (const [index, result] of settled.entries()) {
    if (result.status === 'rejected') {
      if (!isNotRunning(result.reason)) {
        throw result.reason;
      }

      notRunning.push(getReference(items[index] as Item));
    }
  }

  return notRunning;
};

/**
 * Group commit of a processor's outcomes: the ones that arrive together go to the store in one
 * `completeExecutions` and one `failExecutions` call (or one call each, for a store without them).
 * A write that fails is retried with a growing delay, reporting each failure through `onError`, so
 * nothing is dropped while the store is away; once `deadline` has aborted (the processor's stop
 * timed out), a failing write is tried once more and then given up.
 */
export const createOutcomeWriter = <Instruction extends TaskInstruction>({batchSize, clock, concurrency, deadline, onError, store}: {
  readonly batchSize: number;
  readonly clock: Clock;
  readonly concurrency: number;
  readonly deadline: AbortSignal;
  readonly onError: (error: PlantonError) => void;
  readonly store: ProcessorStore<Instruction>;
}): OutcomeWriter<Instruction> => {
  const completeMany = async (outcomes: ReadonlyArray<Outcome<Instruction>>) => {
    const references = outcomes.map(({reference}) => reference);

    if (store.completeExecutions === undefined) {
      return await applyEach(references, async (reference) => {
        await store.completeExecution(reference);
      }, (reference) => reference);
    }

    return await store.completeExecutions(references);
  };

  const failMany = async (outcomes: ReadonlyArray<Outcome<Instruction>>) => {
    const failures = outcomes.map(({failure, reference}) => ({error: failure?.error, reference}));

    if (store.failExecutions === undefined) {
      return await applyEach(failures, async ({error, reference}) => {
        await store.failExecution(reference, error);
      }, ({reference}) => reference);
    }

    return await store.failExecutions(failures);
  };

  /** The references found not running, or `null` when the write was given up. */
  const writeRetrying = async (
    operation: ProcessorStoreOperation,
    outcomes: ReadonlyArray<Outcome<Instruction>>,
    call: (outcomes: ReadonlyArray<Outcome<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>,
  ): Promise<ReadonlySet<ExecutionReference<Instruction>> | null> => {
    if (outcomes.length === 0) {
      return new Set();
    }

    for (let attempt = 1; ; attempt++) {
      try {
        return new Set(await call(outcomes));
      } catch (error) {
        const retrying = !deadline.aborted;

        onError(new ProcessorStoreError({attempt, cause: error, count: outcomes.length, operation, retrying}));

        if (!retrying) {
          return null;
        }

        await clock.sleep(calculateBackoffDelay({attempt: attempt - 1, initialDelay: RETRY_INITIAL_DELAY, maxDelay: RETRY_MAX_DELAY}), deadline);
      }
    }
  };

  const batcher = createBatcher<Outcome<Instruction>, OutcomeWriteResult>({
    maxBatchSize: batchSize,
    maxInFlight: concurrency,
    run: async (outcomes) => {
      const [notCompleted, notFailed] = await Promise.all([
        writeRetrying('COMPLETE', outcomes.filter(({failure}) => failure === null), completeMany),
        writeRetrying('FAIL', outcomes.filter(({failure}) => failure !== null), failMany),
      ]);

      return outcomes.map(({failure, reference}) => {
        const notRunning = failure === null ? notCompleted : notFailed;

        if (notRunning === null) {
          return 'ABANDONED';
        }

        return notRunning.has(reference) ? 'NOT_RUNNING' : 'APPLIED';
      });
    },
  });

  return {
    write: batcher.add,
  };
};
