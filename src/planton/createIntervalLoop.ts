import type {Clock} from './types.ts';

export type IntervalLoop = {
  /** Stops the loop: aborts its pending sleep and waits for a run in progress. */
  readonly stop: () => Promise<void>;
};

/**
 * Runs `run` every `interval` milliseconds of `clock` (the first run after one interval) until
 * stopped. `run` must not throw; report its failures inside it.
 */
export const createIntervalLoop = ({clock, interval, run}: {readonly clock: Clock; readonly interval: number; readonly run: () => Promise<void>}): IntervalLoop => {
  const controller = new AbortController();

  const finished = (async () => {
    while (!controller.signal.aborted) {
      await clock.sleep(interval, controller.signal);

      if (controller.signal.aborted) {
        break;
      }

      await run();
    }
  })();

  return {
    stop: async () => {
      controller.abort();
      await finished;
    },
  };
};
