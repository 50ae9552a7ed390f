import type {SinkBroker, SinkConnectionRefusedError} from './errors.ts';
import {toConnectionRefusedError} from './toConnectionRefusedError.ts';

export type ConnectionRefusalGate = {
  /**
   * A connection is up: from now on a call is never refused early (a later outage is waited for,
   * within the call's own timeout: a restarting broker refuses connections for a moment), and the
   * next refusal is reported again.
   */
  readonly connected: () => void;
  /**
   * A connection attempt (or the connection) failed with `error`. When the broker refused it, the
   * refusal is reported (unless the same one already was since the last connection) and, before the
   * first connection, the calls waiting in `race` reject with it. Returns whether it was a refusal.
   */
  readonly failed: (error: unknown) => boolean;
  /**
   * Settles as `operation` does, or rejects with the refusal: at once while the first connection is
   * being refused, or as soon as a refusal arrives before the first connection.
   */
  readonly race: <T>(operation: Promise<T>) => Promise<T>;
};

/**
 * What a sink or worker does with refused connections (wrong credentials, a closed port, an unknown
 * host): report them at once as `SINK_CONNECTION_REFUSED`, and fail the calls that need the first
 * connection instead of leaving them to wait for a connection that will likely never come. The
 * connection itself keeps being retried by its owner.
 */
export const createConnectionRefusalGate = ({broker, report}: {
  readonly broker: SinkBroker;
  /** Reports a refusal (on the component's `error` event). */
  readonly report: (error: SinkConnectionRefusedError) => void;
}): ConnectionRefusalGate => {
  let connectedOnce = false;
  /** The refusal met by the last attempt, before the first connection. */
  let current: SinkConnectionRefusedError | null = null;
  /** The message of the last refusal reported since the last connection, so a retry loop reports it once. */
  let reported: string | null = null;
  const waiters = new Set<(error: SinkConnectionRefusedError) => void>();

  return {
    connected: () => {
      connectedOnce = true;
      current = null;
      reported = null;
    },
    failed: (error) => {
      const refused = toConnectionRefusedError(broker, error);

      if (!connectedOnce) {
        current = refused;
      }

      if (refused === null) {
        return false;
      }

      if (refused.message !== reported) {
        reported = refused.message;
        report(refused);
      }

      if (!connectedOnce) {
        for (const reject of waiters) {
          reject(refused);
        }

        waiters.clear();
      }

      return true;
    },
    race: async (operation) => {
      if (connectedOnce) {
        return await operation;
      }

      if (current !== null) {
        // Left to settle on its own (it may wait for the connection): nobody waits for it here.
        operation.catch(() => undefined);

        throw current;
      }

      return await new Promise((resolve, reject) => {
        waiters.add(reject);
        operation.then(resolve, reject).finally(() => {
          waiters.delete(reject);
        });
      });
    },
  };
};
