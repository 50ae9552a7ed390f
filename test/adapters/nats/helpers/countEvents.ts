import type {Emitter} from '../../../../src/index.ts';

/** Records every payload of one event and resolves `until(n)` once `n` have arrived (no polling, no sleeping; fails after `timeout`). */
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
    until: async (count: number, timeout = 120_000): Promise<void> => {
      if (payloads.length >= count) {
        return;
      }

      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`Expected ${count} \`${String(name)}\` events within ${timeout} ms, got ${payloads.length}.`));
        }, timeout);
        const waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };

        waiters.push(waiter);
      });
    },
  };
};
