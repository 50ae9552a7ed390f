import type {Clock} from './types.ts';

const sleep = async (milliseconds: number, signal?: AbortSignal): Promise<void> => {
  if (signal?.aborted) {
    return;
  }

  await new Promise<void>((resolve) => {
    const done = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };

    // A zero delay still yields one macrotask, so a busy loop never starves timers and I/O. It stays
    // ref()ed: an unref()ed immediate lets the event loop block in its poll phase until some other
    // timer or I/O, which stalls a busy loop. Only waits (delay > 0) are unref()ed.
    const timer = milliseconds <= 0 ? setImmediate(done) : setTimeout(done, milliseconds).unref();

    const onAbort = () => {
      if (milliseconds <= 0) {
        clearImmediate(timer as NodeJS.Immediate);
      } else {
        clearTimeout(timer as NodeJS.Timeout);
      }

      done();
    };

    signal?.addEventListener('abort', onAbort, {once: true});
  });
};

/** The real clock: `Date.now`, `performance.now` for durations, and unref()ed timers that an AbortSignal cancels. */
export const createSystemClock = (): Clock => {
  return {
    monotonic: () => performance.now(),
    now: Date.now,
    sleep,
  };
};
