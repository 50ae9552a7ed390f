import {serializeError} from 'serialize-error';
import {Logger} from '../planton/Logger.ts';
import type {Clock} from '../planton/types.ts';
import {ServerClosingError, TooManySubscribersError} from './errors.ts';
import {toHttpError} from './toHttpError.ts';

const log = Logger.child({
  namespace: 'createSnapshotFeed',
});

/** Bytes a subscriber may leave unsent before it is dropped (it reconnects and gets the snapshot afresh). */
const MAX_BUFFERED = 4 * 1024 * 1024;

/** What the feed writes to: an HTTP response (`reply.raw`) fits. */
export type SnapshotSubscriber = {
  readonly end: () => unknown;
  readonly write: (chunk: string) => unknown;
  readonly writableEnded: boolean;
  /** Bytes written and not yet sent. */
  readonly writableLength: number;
};

export type SnapshotFeedConfiguration = {
  readonly clock: Clock;
  /** The name of the events that carry a snapshot (`overview`). */
  readonly event: string;
  /**
   * Milliseconds between two comments (`: ping`) that keep idle connections open through proxies.
   * @default 15000
   */
  readonly heartbeatInterval?: number;
  /** Milliseconds between the starts of two reads while someone listens. */
  readonly interval: number;
  /** Most subscribers at once; one more is refused with `TOO_MANY_SUBSCRIBERS`. */
  readonly maxSubscribers: number;
  /**
   * Least milliseconds between the starts of two reads when `watch` wakes the feed, so that a burst
   * of changes costs one read, not one each.
   * @default a quarter of `interval`, from 100 to 1000 (and at most `interval`)
   */
  readonly minimumGap?: number;
  /** Reads the snapshot (any JSON value). */
  readonly read: () => Promise<unknown>;
  /** The route the subscribers follow, for the messages of its errors. */
  readonly route: string;
  /** Calls `wake` whenever the snapshot may have changed; returns what stops it. Watched only while someone listens. */
  readonly watch: (wake: () => void) => () => void;
};

export type SnapshotFeed = {
  /** Ends every subscriber's stream, stops the timers and refuses new subscribers (the server closes). */
  readonly close: () => void;
  /** Throws `TOO_MANY_SUBSCRIBERS` when one more subscriber would be refused, `SERVER_CLOSING` once closed. */
  readonly assertRoom: () => void;
  /** Adds a subscriber (it gets the current snapshot at once, if there is one); returns what removes it. Throws as `assertRoom`. */
  readonly subscribe: (subscriber: SnapshotSubscriber) => () => void;
};

const toEvent = (event: string, data: string) => `event: ${event}\ndata: ${data}\n\n`;

/**
 * One producer of a snapshot shared by every Server-Sent Events subscriber: however many listen,
 * it reads the snapshot once per `interval` (and `minimumGap` after `watch` woke it, coalesced), and
 * only while someone listens. Each snapshot is sent, as an `event` event, only when it differs
 * (serialised JSON) from the one sent before; a new subscriber gets the current one at once. A read
 * that fails sends `error` (`{code, message}`, as the HTTP error body would be) and the feed goes
 * on. A `: ping` comment goes out every `heartbeatInterval`. The timers stop when the last
 * subscriber leaves.
 */
export const createSnapshotFeed = (configuration: SnapshotFeedConfiguration): SnapshotFeed => {
  const {clock, event, interval, maxSubscribers, read, route, watch} = configuration;
  const heartbeatInterval = configuration.heartbeatInterval ?? 15_000;
  const minimumGap = Math.min(configuration.minimumGap ?? Math.min(1000, Math.max(100, Math.floor(interval / 4))), interval);
  const monotonic = () => clock.monotonic?.() ?? clock.now();
  const subscribers = new Set<SnapshotSubscriber>();
  /** The snapshot sent last, serialised: `null` before the first read, after a failed one, and once nobody listens. */
  let last: string | null = null;
  let closed = false;
  let running = false;
  let reading = false;
  /** A subscriber waits for its first snapshot: the next read is due now. */
  let fresh = false;
  /** `watch` said the snapshot may have changed since the last read started. */
  let woken = false;
  let sleeper: AbortController | null = null;
  let heartbeat: AbortController | null = null;

  const stop = () => {
    last = null;
    sleeper?.abort();
    heartbeat?.abort();
    heartbeat = null;
  };

  const remove = (subscriber: SnapshotSubscriber) => {
    if (subscribers.delete(subscriber) && subscribers.size === 0) {
      stop();
    }
  };

  const drop = (subscriber: SnapshotSubscriber) => {
    remove(subscriber);

    if (!subscriber.writableEnded) {
      subscriber.end();
    }
  };

  const broadcast = (chunk: string) => {
    for (const subscriber of [...subscribers]) {
      if (subscriber.writableEnded) {
        remove(subscriber);
      } else if (subscriber.writableLength > MAX_BUFFERED) {
        log.warn({bufferedBytes: subscriber.writableLength, route}, 'a subscriber that does not keep up is dropped');
        drop(subscriber);
      } else {
        subscriber.write(chunk);
      }
    }
  };

  const wake = () => {
    woken = true;
    sleeper?.abort();
  };

  const readOnce = async () => {
    reading = true;

    try {
      const snapshot = JSON.stringify(await read());

      // Nobody listens any more: the next subscriber must get a fresh read, not this one.
      if (subscribers.size > 0 && snapshot !== last) {
        last = snapshot;
        broadcast(toEvent(event, snapshot));
      }
    } catch (error) {
      const {code, message} = toHttpError(error).body;

      log.warn({error: serializeError(error), route}, 'could not read the snapshot of a stream');
      // The next snapshot that reads is sent even if it did not change: it clears the subscribers' error.
      last = null;
      broadcast(toEvent('error', JSON.stringify({code, message})));
    } finally {
      reading = false;
    }
  };

  const waitForNextRead = async (started: number) => {
    for (;;) {
      if (subscribers.size === 0) {
        return;
      }

      const wait = started + (fresh ? 0 : woken ? minimumGap : interval) - monotonic();

      if (wait <= 0) {
        return;
      }

      sleeper = new AbortController();
      await clock.sleep(wait, sleeper.signal);
      sleeper = null;
    }
  };

  const run = async () => {
    const unwatch = watch(wake);

    try {
      while (subscribers.size > 0) {
        const started = monotonic();

        woken = false;
        fresh = false;
        await readOnce();
        await waitForNextRead(started);
      }
    } catch (error) {
      log.error({error: serializeError(error), route}, 'the snapshot feed failed');
    } finally {
      // In the same turn as the loop's last check: a subscriber that comes later starts a new loop.
      running = false;
      unwatch();
    }
  };

  const beat = async (signal: AbortSignal) => {
    while (!signal.aborted) {
      await clock.sleep(heartbeatInterval, signal);

      if (!signal.aborted) {
        broadcast(': ping\n\n');
      }
    }
  };

  const assertRoom = () => {
    if (closed) {
      throw new ServerClosingError();
    }

    if (subscribers.size >= maxSubscribers) {
      throw new TooManySubscribersError(route, maxSubscribers);
    }
  };

  return {
    assertRoom,
    close: () => {
      closed = true;

      for (const subscriber of [...subscribers]) {
        drop(subscriber);
      }
    },
    subscribe: (subscriber) => {
      assertRoom();
      subscribers.add(subscriber);

      if (last === null) {
        // A read under way sends its snapshot to this subscriber too; otherwise one is due now.
        if (!reading) {
          fresh = true;
          sleeper?.abort();
        }
      } else {
        subscriber.write(toEvent(event, last));
      }

      if (heartbeat === null) {
        heartbeat = new AbortController();
        void beat(heartbeat.signal);
      }

      if (!running) {
        running = true;
        void run();
      }

      return () => {
        remove(subscriber);
      };
    },
  };
};
