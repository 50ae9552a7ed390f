/** One watched operation: `at` is when it times out (performance.now() milliseconds). */
export type Deadline = {
  readonly at: number;
  /** Stops watching: the operation settled before its deadline. */
  readonly clear: () => void;
};

export type DeadlineQueue = {
  /** Calls `expire` once `timeout` has passed, unless the returned deadline is cleared first. */
  readonly watch: (expire: () => void) => Deadline;
};

type Entry = {
  readonly at: number;
  readonly expire: () => void;
  settled: boolean;
};

/** Cleared entries at the head are dropped in chunks of at least this many (one splice each). */
const COMPACT_AFTER = 1_024;

/**
 * Timeouts of one length (a sink's `publishTimeout`) behind a single timer: entries are watched in
 * the order they time out (first in, first out), the timer waits for the first one still watched,
 * and clearing an entry only marks it. A publish then costs no timer of its own: 20,000 publishes
 * in flight hold one timer, not 20,000. The timer is unref()ed; it may fire for an entry cleared
 * meanwhile, and then waits for the next one.
 */
export const createDeadlineQueue = (timeout: number): DeadlineQueue => {
  let entries: Entry[] = [];
  let head = 0;
  let timer: NodeJS.Timeout | null = null;
  /** While `sweep` walks the entries, an `expire` that clears or watches must not move them. */
  let sweeping = false;

  const dropSettled = () => {
    if (sweeping) {
      return;
    }

    while (head < entries.length && (entries[head] as Entry).settled) {
      head++;
    }

    if (head === entries.length) {
      entries = [];
      head = 0;
    } else if (head >= COMPACT_AFTER && head * 2 >= entries.length) {
      entries = entries.slice(head);
      head = 0;
    }
  };

  const arm = (delay: number) => {
    timer = setTimeout(sweep, Math.max(1, delay));
    timer.unref();
  };

  function sweep () {
    timer = null;

    const now = performance.now();

    while (head < entries.length) {
      const entry = entries[head] as Entry;

      if (!entry.settled) {
        if (entry.at > now) {
          break;
        }

        entry.settled = true;
        sweeping = true;

        try {
          entry.expire();
        } finally {
          sweeping = false;
        }
      }

      head++;
    }

    dropSettled();

    if (head < entries.length) {
      arm((entries[head] as Entry).at - now);
    }
  }

  return {
    watch: (expire) => {
      const entry: Entry = {at: performance.now() + timeout, expire, settled: false};

      entries.push(entry);

      if (timer === null) {
        arm(timeout);
      }

      return {
        at: entry.at,
        clear: () => {
          if (!entry.settled) {
            entry.settled = true;
            dropSettled();
          }
        },
      };
    },
  };
};
