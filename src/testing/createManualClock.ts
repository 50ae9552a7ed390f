import type {Clock} from '../planton/types.ts';

type Timer = {
  readonly at: number;
  readonly resolve: () => void;
  readonly sequence: number;
};

export type ManualClock = Clock & {
  /** Moves time forward (wall and monotonic), firing due timers in order and letting the code they wake run in between. */
  readonly advance: (milliseconds: number) => Promise<void>;
  /** Steps the wall clock (`now`) alone, as NTP does: monotonic time and the timers do not move. */
  readonly jump: (milliseconds: number) => void;
  readonly monotonic: () => number;
  /** How many timers are pending. */
  readonly pendingTimers: () => number;
};

/** Lets every promise chain and queued macrotask settle (no wall-clock waiting). */
export const flush = async (rounds = 5): Promise<void> => {
  for (let index = 0; index < rounds; index++) {
    await new Promise<void>((resolve) => {
      setImmediate(resolve);
    });
  }
};

/**
 * A clock whose time moves only when a test calls `advance` (or `jump`, for the wall clock alone).
 * Timers wait on monotonic time. `sleep(0)` still yields one real macrotask, as the system clock does.
 */
export const createManualClock = (start = 0): ManualClock => {
  /** Monotonic time; the wall clock reads it plus `wallOffset`. */
  let now = start;
  let wallOffset = 0;
  let sequence = 0;
  let timers: Timer[] = [];

  return {
    advance: async (milliseconds) => {
      const target = now + milliseconds;

      for (;;) {
        await flush();

        const next = timers
          .filter((timer) => timer.at <= target)
          .sort((a, b) => a.at - b.at || a.sequence - b.sequence)[0];

        if (!next) {
          break;
        }

        timers = timers.filter((timer) => timer !== next);
        now = next.at;
        next.resolve();
      }

      now = target;
      await flush();
    },
    jump: (milliseconds) => {
      wallOffset += milliseconds;
    },
    monotonic: () => {
      return now;
    },
    now: () => {
      return now + wallOffset;
    },
    pendingTimers: () => {
      return timers.length;
    },
    sleep: async (milliseconds, signal) => {
      if (signal?.aborted) {
        return;
      }

      if (milliseconds <= 0) {
        await new Promise<void>((resolve) => {
          setImmediate(resolve);
        });

        return;
      }

      await new Promise<void>((resolve) => {
        const timer: Timer = {
          at: now + milliseconds,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          sequence: sequence++,
        };

        const onAbort = () => {
          timers = timers.filter((candidate) => candidate !== timer);
          resolve();
        };

        signal?.addEventListener('abort', onAbort, {once: true});
        timers.push(timer);
      });
    },
  };
};

/** A promise whose settlement a test controls. */
export const createDeferred = <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((resolvePromise, rejectPromise) => {
    resolve = resolvePromise;
    reject = rejectPromise;
  });

  return {promise, reject, resolve};
};
