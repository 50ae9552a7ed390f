import {createBatcher} from '../../planton/createBatcher.ts';
import type {PlantonError} from '../../planton/errors.ts';
import type {Clock, TaskInstruction} from '../../planton/types.ts';
import {ProcessorStoreError, type ProcessorStoreOperation} from '../errors.ts';
import {calculateBackoffDelay, STORE_RETRY_BACKOFF} from '../../planton/calculateBackoffDelay.ts';
import type {ExecutionReference} from '../types.ts';
import type {ProcessorStore} from './types.ts';

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

/** An outcome waiting to be written, and how to settle its `write` (`isolated`: whether it was retried alone, apart from its write). */
type Queued<Instruction extends TaskInstruction> = {
  readonly outcome: Outcome<Instruction>;
  readonly settle: (result: OutcomeWriteResult, isolated: boolean) => void;
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
 * nothing is dropped while the store is away; a group that keeps failing is split, so one item the
 * store refuses holds no others (see `writeRetrying`); once `deadline` has aborted (the processor's
 * stop timed out), a failing write is tried once more and then given up.
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

  /** Store calls that succeeded so far: while some do, a part that keeps failing holds an item the store refuses. */
  let successes = 0;
  /** Outcomes waiting for a write slot. */
  let queued = 0;

  /**
   * Writes `items` with `call`, settling each as its part lands (or is given up). A group that failed
   * twice is split in halves, each written (and retried) on its own, so that an item the store
   * refuses (an error it cannot store) ends up alone and the rest land. A half splits again only if
   * some store call succeeded since it began: when the store is away every part fails, and the
   * retries do not multiply past two. A lone item that failed twice while others succeeded, or
   * while others wait for a slot, is `isolate`d: it keeps being retried, but no longer holds the
   * write's slot.
   */
  const writeRetrying = async (
    operation: ProcessorStoreOperation,
    items: ReadonlyArray<Queued<Instruction>>,
    call: (outcomes: ReadonlyArray<Outcome<Instruction>>) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>,
    {isolate, isPart}: {readonly isolate: () => void; readonly isPart: boolean},
  ): Promise<void> => {
    if (items.length === 0) {
      return;
    }

    const successesBefore = successes;
    let isolated = false;

    for (let attempt = 1; ; attempt++) {
      try {
        const notRunning = new Set(await call(items.map(({outcome}) => outcome)));

        successes++;

        for (const {outcome, settle} of items) {
          settle(notRunning.has(outcome.reference) ? 'NOT_RUNNING' : 'APPLIED', isolated);
        }

        return;
      } catch (error) {
        const retrying = !deadline.aborted;

        onError(new ProcessorStoreError({attempt, cause: error, count: items.length, operation, retrying}));

        if (!retrying) {
          for (const {settle} of items) {
            settle('ABANDONED', isolated);
          }

          return;
        }

        const storeAnswers = successes > successesBefore;

        if (attempt >= 2 && items.length > 1 && (!isPart || storeAnswers)) {
          const middle = Math.ceil(items.length / 2);

          await Promise.all([
            writeRetrying(operation, items.slice(0, middle), call, {isolate, isPart: true}),
            writeRetrying(operation, items.slice(middle), call, {isolate, isPart: true}),
          ]);

          return;
        }

        if (attempt >= 2 && items.length === 1 && (storeAnswers || queued > 0) && !isolated) {
          isolated = true;
          isolate();
        }

        await clock.sleep(calculateBackoffDelay({attempt: attempt - 1, ...STORE_RETRY_BACKOFF}), deadline);
      }
    }
  };

  const batcher = createBatcher<Queued<Instruction>, void>({
    maxBatchSize: batchSize,
    maxInFlight: concurrency,
    // Returns once every item is settled or isolated (retried in the background): a refused item does not hold a slot.
    run: async (items) => {
      queued -= items.length;

      let unsettled = items.length;
      let isolated = 0;
      const {promise: released, resolve: release} = Promise.withResolvers<void>();
      const check = () => {
        if (unsettled === isolated) {
          release();
        }
      };
      const track = (item: Queued<Instruction>): Queued<Instruction> => ({
        outcome: item.outcome,
        settle: (result, wasIsolated) => {
          item.settle(result, wasIsolated);
          unsettled--;
          isolated -= wasIsolated ? 1 : 0;
          check();
        },
      });
      const isolate = () => {
        isolated++;
        check();
      };
      const tracked = items.map(track);

      void writeRetrying('COMPLETE', tracked.filter(({outcome}) => outcome.failure === null), completeMany, {isolate, isPart: false});
      void writeRetrying('FAIL', tracked.filter(({outcome}) => outcome.failure !== null), failMany, {isolate, isPart: false});
      await released;

      return items.map(() => undefined);
    },
  });

  return {
    // The batcher's own promise settles with the batch (it never rejects: writeRetrying catches); the outcome's, when it lands.
    write: async (outcome) => {
      queued++;

      return await new Promise<OutcomeWriteResult>((resolve) => {
        void batcher.add({outcome, settle: resolve});
      });
    },
  };
};
