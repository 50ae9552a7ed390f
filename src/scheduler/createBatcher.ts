export type BatcherConfiguration<Input, Output> = {
  /** Handles a whole batch; resolves one output per input, in order. */
  readonly handle: (inputs: readonly Input[]) => Promise<readonly Output[]>;
  /**
   * Most batches in flight at once.
   * @default 4
   */
  readonly maximumInFlight?: number;
  /**
   * Most inputs per batch.
   * @default 1000
   */
  readonly maximumSize?: number;
};

export type Batcher<Input, Output> = {
  /** Queues `input` for the next batch; settles with its output (or the batch's error). */
  readonly add: (input: Input) => Promise<Output>;
};

type Entry<Input, Output> = {
  readonly input: Input;
  readonly reject: (error: unknown) => void;
  readonly resolve: (output: Output) => void;
};

/**
 * Gathers calls made in the same event-loop turn (and while `maximumInFlight` batches are in flight)
 * into one call of `handle`; the next batch goes as soon as one settles. Yields
 * with setImmediate, not the injected clock: it batches work, it does not wait for time to pass.
 */
export const createBatcher = <Input, Output>(configuration: BatcherConfiguration<Input, Output>): Batcher<Input, Output> => {
  const {handle, maximumInFlight = 4, maximumSize = 1_000} = configuration;
  let queue: Array<Entry<Input, Output>> = [];
  let scheduled = false;
  let inFlight = 0;

  const flush = () => {
    scheduled = false;

    if (inFlight >= maximumInFlight || queue.length === 0) {
      return;
    }

    const batch = queue.slice(0, maximumSize);

    queue = queue.slice(batch.length);
    inFlight++;

    const settle = () => {
      inFlight--;

      if (queue.length > 0 && !scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    };

    handle(batch.map((entry) => entry.input)).then((outputs) => {
      for (const [index, entry] of batch.entries()) {
        entry.resolve(outputs[index] as Output);
      }

      settle();
    }, (error: unknown) => {
      for (const entry of batch) {
        entry.reject(error);
      }

      settle();
    });

    if (queue.length > 0 && !scheduled && inFlight < maximumInFlight) {
      scheduled = true;
      setImmediate(flush);
    }
  };

  return {
    add: (input) => {
      return new Promise<Output>((resolve, reject) => {
        queue.push({input, reject, resolve});

        if (!scheduled && inFlight < maximumInFlight) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
};
