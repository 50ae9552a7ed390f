import type {Clock} from './types.ts';

/** Not waiting. */
export const TIMER_IDLE = -1;

/** The longest single clock sleep (setTimeout's limit). */
const MAXIMUM_SLEEP = 2_147_483_647;

/** Waiting for the next macrotask (a zero delay). */
export const TIMER_IMMEDIATE = -2;

/**
 * What a timer wakes. The queue keeps its bookkeeping on the target itself (a loop waits for one
 * thing at a time), so a wait allocates nothing: 10,000 idle tasks waking every second would
 * otherwise leave 10,000 handles a second to the garbage collector.
 */
export type TimerTarget = {
  readonly onTimer: () => void;
  timerAt: number;
  /** Its position in the heap, or TIMER_IDLE / TIMER_IMMEDIATE. */
  timerIndex: number;
  timerSequence: number;
};

export type TimerQueue = {
  /** Calls `target.onTimer()` after `delay` ms; a delay <= 0 calls it on the next macrotask (batched). A target waits for one wake-up at a time. */
  readonly add: (delay: number, target: TimerTarget) => void;
  /** Forgets the target's pending wake-up, if any. */
  readonly cancel: (target: TimerTarget) => void;
  /** Stops the clock sleep that a queue with `keepArmedWhenEmpty` left armed; nothing while targets wait. */
  readonly disarmIfEmpty: () => void;
};

const before = (a: TimerTarget, b: TimerTarget): boolean => {
  return a.timerAt < b.timerAt || a.timerAt === b.timerAt && a.timerSequence < b.timerSequence;
};

/**
 * One timer for every task of an engine: an indexed binary heap of wake-ups in front of a single
 * `clock.sleep`, so 10,000 idle tasks hold no timers, promises or abort signals of their own. Zero
 * delays are batched onto one macrotask, so a busy loop never starves the event loop. Targets due at
 * the same time wake in the order they were added (FIFO).
 */
export const createTimerQueue = (clock: Clock, {keepArmedWhenEmpty = false}: {readonly keepArmedWhenEmpty?: boolean} = {}): TimerQueue => {
  // Delays are durations: measured on monotonic time, so a wall-clock step (NTP) fires none early or late.
  const elapsed = (): number => clock.monotonic?.() ?? clock.now();
  const heap: TimerTarget[] = [];
  let immediates: TimerTarget[] = [];
  let immediateArmed = false;
  let armedAt = Number.POSITIVE_INFINITY;
  let armedController: AbortController | null = null;
  let sequence = 0;

  const place = (target: TimerTarget, index: number) => {
    heap[index] = target;
    target.timerIndex = index;
  };

  const siftUp = (start: number) => {
    const target = heap[start] as TimerTarget;
    let index = start;

    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as TimerTarget;

      if (!before(target, parent)) {
        break;
      }

      place(parent, index);
      index = parentIndex;
    }

    place(target, index);
  };

  const siftDown = (start: number) => {
    const target = heap[start] as TimerTarget;
    let index = start;

    for (;;) {
      const left = index * 2 + 1;

      if (left >= heap.length) {
        break;
      }

      const right = left + 1;
      const child = right < heap.length && before(heap[right] as TimerTarget, heap[left] as TimerTarget) ? right : left;

      if (!before(heap[child] as TimerTarget, target)) {
        break;
      }

      place(heap[child] as TimerTarget, index);
      index = child;
    }

    place(target, index);
  };

  const remove = (target: TimerTarget) => {
    const index = target.timerIndex;
    const last = heap.pop() as TimerTarget;

    target.timerIndex = TIMER_IDLE;

    if (last !== target) {
      place(last, index);
      siftDown(index);
      siftUp(last.timerIndex);
    }
  };

  const disarm = () => {
    armedController?.abort();
    armedController = null;
    armedAt = Number.POSITIVE_INFINITY;
  };

  const fire = () => {
    armedController = null;
    armedAt = Number.POSITIVE_INFINITY;

    const now = elapsed();

    while (heap.length > 0 && (heap[0] as TimerTarget).timerAt <= now) {
      const target = heap[0] as TimerTarget;

      remove(target);
      target.onTimer();
    }

    // eslint-disable-next-line @typescript-eslint/no-use-before-define -- fire and arm call each other through the clock
    arm();
  };

  function arm () {
    const next = heap[0];

    if (next === undefined) {
      disarm();

      return;
    }

    if (next.timerAt >= armedAt) {
      return;
    }

    disarm();

    const controller = new AbortController();

    armedController = controller;
    armedAt = next.timerAt;
    // setTimeout takes at most 2^31 - 1 ms (a longer delay fires at once): a later target waits in
    // steps, `fire` arming the next one.
    void clock.sleep(Math.min(MAXIMUM_SLEEP, Math.max(1, next.timerAt - elapsed())), controller.signal).then(() => {
      if (!controller.signal.aborted) {
        fire();
      }
    });
  }

  const runImmediates = () => {
    const due = immediates;

    immediates = [];
    immediateArmed = false;

    for (const target of due) {
      // A target cancelled (or already woken) meanwhile is no longer TIMER_IMMEDIATE.
      if (target.timerIndex === TIMER_IMMEDIATE) {
        target.timerIndex = TIMER_IDLE;
        target.onTimer();
      }
    }
  };

  /**
   * Cancelling the first target leaves the armed timer: it fires early for the new first one, and
   * `fire` finds nothing due and arms for what is first by then. Re-arming here would cost a timer
   * per cancellation when targets end in the order they were added. An emptied queue disarms,
   * unless `keepArmedWhenEmpty` (a queue that empties between two targets, as a scheduler's job
   * timeouts do, would otherwise pay a timer per target).
   */
  const cancel = (target: TimerTarget) => {
    if (target.timerIndex === TIMER_IMMEDIATE) {
      target.timerIndex = TIMER_IDLE;
    } else if (target.timerIndex >= 0) {
      remove(target);

      if (heap.length === 0 && !keepArmedWhenEmpty) {
        disarm();
      }
    }
  };

  return {
    add: (delay, target) => {
      cancel(target);

      if (delay <= 0) {
        target.timerIndex = TIMER_IMMEDIATE;
        immediates.push(target);

        if (!immediateArmed) {
          immediateArmed = true;
          void clock.sleep(0).then(runImmediates);
        }

        return;
      }

      target.timerAt = elapsed() + delay;
      target.timerSequence = sequence++;
      heap.push(target);
      target.timerIndex = heap.length - 1;
      siftUp(heap.length - 1);

      if (target.timerIndex === 0) {
        arm();
      }
    },
    cancel,
    disarmIfEmpty: () => {
      if (heap.length === 0) {
        disarm();
      }
    },
  };
};
