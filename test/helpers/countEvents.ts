import type {Emitter} from '../../src/index.ts';
import {withDeadline} from './withDeadline.ts';

/** Records every payload of one event and resolves `until(n)` once `n` have arrived (no polling, no sleeping; fails after 120 s). */
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
      }), `${count} \`${String(name)}\` events`);
    },
  };
};
