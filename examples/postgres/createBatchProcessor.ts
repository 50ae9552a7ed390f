export type BatchProcessorConfiguration<Item> = {
  /**
   * A batch is processed as soon as it holds this many items.
   * @default 100
   */
  readonly maximumBatchSize?: number;
  /** Called when `process` rejects, with the batch it was given. Must not throw. */
  readonly onError: (error: unknown, batch: readonly Item[]) => Promise<void> | void;
  /** Does the work for a whole batch (e.g. one transaction). */
  readonly process: (batch: readonly Item[]) => Promise<void>;
};

export type BatchProcessor<Item> = {
  /** Resolves once every batch pushed so far has been processed (or handed to `onError`). */
  readonly drain: () => Promise<void>;
  /** Items pushed and not yet processed. */
  readonly getPendingCount: () => number;
  readonly push: (item: Item) => void;
};

/**
 * Groups items that arrive together into batches: a Planton round emits its instructions one after
 * another in the same tick, so collecting until the next macrotask turns one round into one batch
 * (split at `maximumBatchSize`). Batches run concurrently; `drain` waits for all of them.
 */
export const createBatchProcessor = <Item>({maximumBatchSize = 100, onError, process}: BatchProcessorConfiguration<Item>): BatchProcessor<Item> => {
  if (!Number.isInteger(maximumBatchSize) || maximumBatchSize < 1) {
    throw new TypeError(`Expected \`maximumBatchSize\` to be an integer >= 1, got \`${String(maximumBatchSize)}\`.`);
  }

  const inFlight = new Set<Promise<void>>();
  let buffer: Item[] = [];
  let flushScheduled = false;
  let pendingCount = 0;

  const flush = () => {
    flushScheduled = false;

    if (buffer.length === 0) {
      return;
    }

    const batch = buffer;

    buffer = [];

    const run: Promise<void> = Promise.resolve()
      .then(async () => {
        await process(batch);
      })
      .catch(async (error: unknown) => {
        await onError(error, batch);
      })
      .finally(() => {
        pendingCount -= batch.length;
        inFlight.delete(run);
      });

    inFlight.add(run);
  };

  return {
    drain: async () => {
      flush();

      while (inFlight.size > 0) {
        await Promise.all(inFlight);
      }
    },
    getPendingCount: () => pendingCount,
    push: (item) => {
      buffer.push(item);
      pendingCount++;

      if (buffer.length >= maximumBatchSize) {
        flush();
      } else if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    },
  };
};
