import type {PGlite} from '@electric-sql/pglite';
import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {StoreTerminatedError} from '../errors.ts';
import type {NotificationListener} from '../postgres/types.ts';

export type PgliteNotificationListenerConfiguration = {
  readonly pglite: PGlite;
  /** The pool createPglitePool made over the same PGlite: LISTEN runs through it, in turn with every other query. */
  readonly pool: DatabasePool;
};

const empty = z.object({});

/**
 * LISTEN/NOTIFY on PGlite: LISTEN and UNLISTEN go through the pool (never between a pool
 * transaction's statements), notifications arrive through `pglite.onNotification`. PGlite has no
 * connection to lose, so there is no reconnection and no `RECONNECTED` call. As with
 * `createPgNotificationListener`, the listener holds its notification callback on the PGlite only
 * while some channel is listened on: a store's `terminate()` leaves nothing registered.
 */
export const createPgliteNotificationListener = ({pglite, pool}: PgliteNotificationListenerConfiguration): NotificationListener => {
  const channels = new Map<string, Set<Parameters<NotificationListener['listen']>[1]>>();
  let terminated = false;
  /** Unregisters the callback from the PGlite; null while nothing is listened on. */
  let stopNotifications: (() => void) | null = null;

  const startNotifications = () => {
    stopNotifications ??= pglite.onNotification((channel) => {
      for (const onNotification of channels.get(channel) ?? []) {
        onNotification('NOTIFICATION');
      }
    });
  };

  const release = () => {
    stopNotifications?.();
    stopNotifications = null;
  };

  return {
    listen: async (channel, onNotification) => {
      if (terminated) {
        throw new StoreTerminatedError('Cannot listen: the listener is terminated.');
      }

      let callbacks = channels.get(channel);

      if (!callbacks) {
        callbacks = new Set();
        channels.set(channel, callbacks);
        startNotifications();
        await pool.query(sql.type(empty)`LISTEN ${sql.identifier([channel])}`);
      }

      callbacks.add(onNotification);

      const registered = callbacks;

      return async () => {
        registered.delete(onNotification);

        if (registered.size === 0 && channels.get(channel) === registered) {
          channels.delete(channel);

          if (channels.size === 0) {
            release();
          }

          await pool.query(sql.type(empty)`UNLISTEN ${sql.identifier([channel])}`);
        }
      };
    },
    terminate: async () => {
      terminated = true;
      release();
      channels.clear();
    },
  };
};
