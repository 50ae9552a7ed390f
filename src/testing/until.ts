/** How long `until` waits by default: generous, since it only fails a test (it never paces one). */
const DEADLINE = 120_000;

/** How many checks follow each other at once (one event-loop turn apart) before `until` paces them a millisecond apart. */
const IMMEDIATE_CHECKS = 1_000;

/**
 * Waits until `condition` holds: for state a test cannot await as an event (an engine on a manual
 * clock, rows only the database can tell). The first 1,000 checks follow each other one event-loop
 * turn apart (setImmediate: in-process work settles within a few turns), later ones a millisecond
 * apart (work that waits on I/O, without taking the CPU a server needs). Fails with the condition's
 * source after `timeout` ms instead of hanging.
 */
export const until = async (condition: () => boolean | Promise<boolean>, timeout = DEADLINE): Promise<void> => {
  const deadline = Date.now() + timeout;

  for (let check = 1; !await condition(); check++) {
    if (Date.now() > deadline) {
      throw new Error(`Condition not met within ${timeout} ms: ${condition.toString()}`);
    }

    await new Promise<void>((resolve) => {
      if (check < IMMEDIATE_CHECKS) {
        setImmediate(resolve);
      } else {
        setTimeout(resolve, 1);
      }
    });
  }
};
