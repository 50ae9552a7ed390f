export type Slots = {
  /** `true` once a slot is taken (at once when one is free, else in FIFO order); `false` when the wait was abandoned. */
  readonly acquire: () => Promise<boolean> | boolean;
  /** Resolves every wait with `false` (nothing waits afterwards: later calls still take free slots). */
  readonly abandonWaiting: () => void;
  /** Gives a slot back, to the longest waiter if any. */
  readonly release: () => void;
};

/**
 * A counter of `size` slots with a FIFO of waiters: the processor's concurrency limit. No promise
 * is made while a slot is free, and the queue moves a head index rather than shifting an array, so
 * tens of thousands of instructions a second cost next to nothing.
 */
export const createSlots = (size: number): Slots => {
  let taken = 0;
  let waiting: Array<(acquired: boolean) => void> = [];
  let head = 0;

  return {
    abandonWaiting: () => {
      const abandoned = waiting.slice(head);

      waiting = [];
      head = 0;

      for (const resolve of abandoned) {
        resolve(false);
      }
    },
    acquire: () => {
      if (taken < size) {
        taken++;

        return true;
      }

      return new Promise<boolean>((resolve) => {
        waiting.push(resolve);
      });
    },
    release: () => {
      const next = waiting[head];

      if (next === undefined) {
        taken--;

        return;
      }

      // The slot passes to the waiter as it is (taken stays the same).
      head++;

      // Drop the served part once it is most of the array, so a queue that never empties stays small.
      if (head === waiting.length || (head >= 1_024 && head * 2 >= waiting.length)) {
        waiting = waiting.slice(head);
        head = 0;
      }

      next(true);
    },
  };
};
