export type Batcher<Item, Result> = {
  /** Queues `item` for the next batch; resolves with its result, rejects with the batch's error. */
  readonly add: (item: Item) => Promise<Result>;
};

export type BatcherConfiguration<Item, Result> = {
  /**
   * Most items in one `run` call; a queue that reaches it is sent at once (when a slot is free).
   * @default 1000
   */
  readonly maxBatchSize?: number;
  /**
   * `run` calls in flight at once.
   * @default 4
   */
  readonly maxInFlight?: number;
  /** Handles a batch; resolves with one result per item, in the same order. */
  readonly run: (items: readonly Item[]) => Promise<readonly Result[]>;
};

type Pending<Item, Result> = {
  readonly item: Item;
  readonly reject: (error: unknown) => void;
  readonly resolve: (result: Result) => void;
};

/**
 * Group commit: an item waits at most one macrotask for the items that arrive with it (or none,
 * once `maxBatchSize` are queued), then they go out in one `run` call. While `maxInFlight` calls run,
 * items queue up and go together in the next one. No timer: at rest an item costs one call and no
 * added latency; under load batches grow by themselves. It yields with setImmediate, not an injected
 * clock: it batches work, it does not wait for time to pass.
 */
export const createBatcher = <Item, Result>({maxBatchSize = 1_000, maxInFlight = 4, run}: BatcherConfiguration<Item, Result>): Batcher<Item, Result> => {
  let queue: Array<Pending<Item, Result>> = [];
  let inFlight = 0;
  let scheduled = false;

  const send = async (batch: ReadonlyArray<Pending<Item, Result>>) => {
    inFlight++;

    try {
      const results = await run(batch.map(({item}) => item));

      for (const [index, pending] of batch.entries()) {
        pending.resolve(results[index] as Result);
      }
    } catch (error) {
      for (const pending of batch) {
        pending.reject(error);
      }
    } finally {
      inFlight--;
      schedule();
    }
  };

  /** Sends batches while a slot is free and at least `minimum` items wait. */
  const flush = (minimum: number) => {
    while (inFlight < maxInFlight && queue.length >= minimum) {
      const batch = queue.slice(0, maxBatchSize);

      queue = queue.slice(batch.length);
      void send(batch);
    }
  };

  function schedule () {
    flush(maxBatchSize);

    if (!scheduled && inFlight < maxInFlight && queue.length > 0) {
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        flush(1);
      });
    }
  }

  return {
    // Not async: one promise per item, not two (a sink adds every publish here).
    add: (item) => {
      return new Promise<Result>((resolve, reject) => {
        queue.push({item, reject, resolve});
        schedule();
      });
    },
  };
};
