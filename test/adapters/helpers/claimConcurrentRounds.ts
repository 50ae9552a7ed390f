import type {DispatchStore} from '../../../src/adapters/types.ts';

/**
 * The concurrency-across-stores test's rounds, on any store: in each round every store does what
 * an engine's round does (reads the task's active instructions, claims what `concurrency` leaves),
 * then `onClaimed` sees the round's instructions (the work) and each store completes what it
 * claimed. The RUNNING count (`countRunning`, on a connection of its own) is polled the whole time
 * and read after each round; resolves its maximum, every instruction claimed, how many polls ran
 * and the executions a completion rejected (none is expected).
 */
export const claimConcurrentRounds = async <Claim>({claim, concurrency, countRunning, onClaimed, rounds, stores}: {
  readonly claim: Claim;
  readonly concurrency: number;
  readonly countRunning: () => Promise<number>;
  readonly onClaimed?: (instructions: readonly number[]) => Promise<void>;
  readonly rounds: number;
  readonly stores: ReadonlyArray<DispatchStore<number, Claim>>;
}): Promise<{readonly claimed: readonly number[]; readonly maximum: number; readonly polls: number; readonly rejected: readonly unknown[]}> => {
  const claimed: number[] = [];
  const rejected: unknown[] = [];
  let maximum = 0;
  let claiming = true;
  let polls = 0;
  const polling = (async () => {
    while (claiming) {
      maximum = Math.max(maximum, await countRunning());
      polls++;
      // Paced, so as not to take the CPU the claims need: the count after each round is exact anyway.
      await new Promise((resolve) => {
        setTimeout(resolve, 5);
      });
    }
  })();

  try {
    for (let round = 0; round < rounds; round++) {
      // Nothing ends during the round (the instructions are still being worked on), so the count
      // after it is the round's maximum.
      const batches = await Promise.all(stores.map(async (store) => {
        const active = await store.getActiveTaskInstructions('items', {signal: new AbortController().signal});
        const limit = concurrency - active.length;

        return limit <= 0 ? [] : await store.claimExecutions({activeTaskInstructions: active, claim, concurrency, limit, taskName: 'items'});
      }));
      const instructions = batches.flat().map(({instruction}) => instruction);

      maximum = Math.max(maximum, await countRunning());
      claimed.push(...instructions);

      // The work ends: each store completes what it claimed, and the next round starts empty.
      if (instructions.length > 0) {
        await onClaimed?.(instructions);
      }

      const completions = await Promise.all(stores.map(async (store, index) => await store.completeExecutions(batches[index] ?? [])));

      rejected.push(...completions.flat());
    }
  } finally {
    claiming = false;
    await polling;
  }

  return {claimed, maximum, polls, rejected};
};
