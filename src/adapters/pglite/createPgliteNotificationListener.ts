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
 * connection to lose, so there is no reconnection and no `RECONNECTED` call.
 */
export const createPgliteNotificationListener = ({pglite, pool}: PgliteNotificationListenerConfiguration): NotificationListener => {
  const channels = new Map<string, Set<Parameters<NotificationListener['listen']>[1]>>();
  let terminated = false;

  const stopNotifications = pglite.onNotification((channel) => {
    for (const onNotification of channels.get(channel) ?? []) {
      onNotification('NOTIFICATION');
    }
  });

  return {
    listen: async (channel, onNotification) => {
      if (terminated) {
        throw new StoreTerminatedError('Cannot listen: the listener is terminated.');
      }

      let callbacks = channels.get(channel);

      if (!callbacks) {
        callbacks = new Set();
        channels.set(channel, callbacks);
        await pool.query(sql.type(empty)`LISTEN ${sql.identifier([channel])}`);
      }

      callbacks.add(onNotification);

      const registered = callbacks;

      return async () => {
        registered.delete(onNotification);

        if (registered.size === 0 && channels.get(channel) === registered) {
          channels.delete(channel);
          await pool.query(sql.type(empty)`UNLISTEN ${sql.identifier([channel])}`);
        }
      };
    },
    terminate: async () => {
      terminated = true;
      stopNotifications();
      channels.clear();
    },
  };
};
