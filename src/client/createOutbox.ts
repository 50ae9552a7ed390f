import {createTimerQueue, TIMER_IDLE, type TimerTarget} from '../planton/createTimerQueue.ts';
import type {Clock} from '../planton/types.ts';
import type {AttemptMessage, AttemptReply, MessageBody} from '../server/protocol/messages.ts';
import {HubError, ServerUnreachableError} from './errors.ts';

export type OutboxConfiguration = {
  readonly clock: Clock;
  /** How long (milliseconds) a message may wait for the hub's answer before its caller gets `server_unreachable` (it stays queued). */
  readonly deliveryTimeout: number;
  /** Sends now if connected and greeted; returns whether it did. */
  readonly send: (message: MessageBody<AttemptMessage>) => boolean;
};

export type Outbox = {
  /** The attempts with messages still unanswered, for the next `hello`. */
  readonly attempts: () => ReadonlyArray<{readonly attempt: number; readonly jobId: number}>;
  /** Settles the caller of the message the hub answered (`ack` or `error` with its job id, attempt and seq). */
  readonly answer: (reply: AttemptReply) => void;
  /** Sends again every unanswered message, oldest first (after a reconnection: the hub applies each once). */
  readonly flush: () => void;
  /** Queues a message; resolves on its `ack`, rejects with the hub's `error` (a `HubError`) or `server_unreachable`. */
  readonly push: (message: MessageBody<AttemptMessage>) => Promise<void>;
  /** Rejects every unanswered call with `error` and forgets them (at close). */
  readonly rejectAll: (error: Error) => void;
  /** Resolves once no message waits for an answer. */
  readonly whenEmpty: () => Promise<void>;
};

type Entry = {
  /** Whether its caller has been answered (a delivery timeout answers it before the hub does). */
  answered: boolean;
  readonly message: MessageBody<AttemptMessage>;
  readonly reject: (error: Error) => void;
  readonly resolve: () => void;
  readonly timer: TimerTarget;
};

const keyOf = ({attempt, jobId, seq}: {readonly attempt: number; readonly jobId: number; readonly seq: number}): string => `${jobId}:${attempt}:${seq}`;

/**
 * A worker's messages about its jobs (log, progress, done, fail) until the hub answers each: kept
 * across lost connections and sent again, in order, after each reconnection. The hub applies each
 * once (by job id, attempt and seq), so sending again is safe.
 */
export const createOutbox = ({clock, deliveryTimeout, send}: OutboxConfiguration): Outbox => {
  // Insertion order is send order.
  const entries = new Map<string, Entry>();
  const timers = createTimerQueue(clock);
  let emptied: Array<() => void> = [];

  const settleIfEmpty = () => {
    if (entries.size === 0) {
      for (const resolve of emptied) {
        resolve();
      }

      emptied = [];
    }
  };

  return {
    answer: (reply) => {
      const key = keyOf(reply);
      const entry = entries.get(key);

      if (entry === undefined) {
        return;
      }

      entries.delete(key);
      timers.cancel(entry.timer);
      settleIfEmpty();

      if (!entry.answered) {
        entry.answered = true;

        if (reply.type === 'ack') {
          entry.resolve();
        } else {
          entry.reject(new HubError(reply));
        }
      }
    },
    attempts: () => {
      const seen = new Map<string, {readonly attempt: number; readonly jobId: number}>();

      for (const {message: {attempt, jobId}} of entries.values()) {
        seen.set(`${jobId}:${attempt}`, {attempt, jobId});
      }

      return [...seen.values()];
    },
    flush: () => {
      for (const entry of entries.values()) {
        send(entry.message);
      }
    },
    push: (message) => {
      return new Promise<void>((resolve, reject) => {
        const timer: TimerTarget = {
          onTimer: () => {
            if (!entry.answered) {
              entry.answered = true;
              reject(new ServerUnreachableError(`no answer to \`${message.type}\` of job ${message.jobId} within ${deliveryTimeout} ms (deliveryTimeout); it is sent again when the connection comes back`));
            }
          },
          timerAt: 0,
          timerIndex: TIMER_IDLE,
          timerSequence: 0,
        };
        const entry: Entry = {answered: false, message, reject, resolve, timer};

        entries.set(keyOf(message), entry);
        timers.add(deliveryTimeout, timer);
        send(message);
      });
    },
    rejectAll: (error) => {
      for (const entry of entries.values()) {
        timers.cancel(entry.timer);

        if (!entry.answered) {
          entry.answered = true;
          entry.reject(error);
        }
      }

      entries.clear();
      settleIfEmpty();
    },
    whenEmpty: async () => {
      await new Promise<void>((resolve) => {
        emptied.push(resolve);
        settleIfEmpty();
      });
    },
  };
};
