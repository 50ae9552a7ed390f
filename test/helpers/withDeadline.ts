/** The deadline of every wait in the tests (withDeadline, until): generous, since it only fails a test (it never paces one). */
export const DEADLINE = 120_000;

/**
 * Resolves as `promise` does, or rejects after `timeout` ms with `description`. The deadline's timer
 * is ref()ed on purpose: while a test waits for an event it keeps the process alive (Planton's own
 * timers are unref()ed, and an in-process database holds no handle).
 */
export const withDeadline = async <T>(promise: Promise<T>, description: string, timeout = DEADLINE): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;

  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`Not within ${timeout} ms: ${description}`));
        }, timeout);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
};
