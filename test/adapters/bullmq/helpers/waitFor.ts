import type {Emitter} from '../../../../src/index.ts';

/** How long a test waits for something before it fails (it never sleeps for it). */
export const DEADLINE = 120_000;

/** Resolves when `promise` does; rejects with `what` if that takes longer than `timeout` ms. */
export const withDeadline = async <T>(promise: Promise<T>, what: string, timeout = DEADLINE): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;

  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`Waited ${timeout} ms for ${what}.`));
        }, timeout);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
};

/** Records every payload of one event; `until(n)` resolves once `n` have arrived (fails after the deadline). */
export const countEvents = <Events extends Record<string, unknown>, Name extends keyof Events>(emitter: Emitter<Events>, name: Name) => {
  const payloads: Array<Events[Name]> = [];
  const waiters: Array<{readonly count: number; readonly resolve: () => void}> = [];

  emitter.on(name, (payload) => {
    payloads.push(payload);

    for (const waiter of [...waiters]) {
      if (payloads.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });

  return {
    payloads,
    until: async (count: number): Promise<void> => {
      if (payloads.length >= count) {
        return;
      }

      await withDeadline(new Promise<void>((resolve) => {
        waiters.push({count, resolve});
      }), `${count} \`${String(name)}\` events (got ${payloads.length})`);
    },
  };
};
