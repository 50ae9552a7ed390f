/**
 * What the chaos run and the soak started (server processes, child processes, temp directories),
 * stopped in reverse order at the end: on success, on failure, on Ctrl-C and at the global deadline.
 */
export type Cleanup = {
  /** Registers `stop`; it runs once, at `run()`. */
  readonly add: (description: string, stop: () => Promise<void> | void) => void;
  /** Runs every registered stop, last registered first, each bounded by `timeout` ms; never rejects. */
  readonly run: (timeout?: number) => Promise<void>;
};

export const createCleanup = (): Cleanup => {
  const stops: Array<{readonly description: string; readonly stop: () => Promise<void> | void}> = [];

  return {
    add: (description, stop) => {
      stops.push({description, stop});
    },
    run: async (timeout = 15_000) => {
      while (stops.length > 0) {
        const {description, stop} = stops.pop()!;
        let timer: NodeJS.Timeout | undefined;

        try {
          await Promise.race([
            Promise.resolve().then(stop),
            new Promise<void>((resolve) => {
              timer = setTimeout(() => {
                process.stderr.write(`cleanup: ${description} did not stop within ${timeout} ms\n`);
                resolve();
              }, timeout);
            }),
          ]);
        } catch (error) {
          process.stderr.write(`cleanup: ${description}: ${String(error)}\n`);
        } finally {
          clearTimeout(timer);
        }
      }
    },
  };
};
