import type {PGlite} from '@electric-sql/pglite';
import {type ClientConfigurationInput, createPool, type DatabasePool} from 'slonik';
import {createPgliteDriverFactory} from './createPgliteDriverFactory.ts';

export type PglitePoolConfiguration = {
  /** Further slonik options (interceptors, type parsers, …); the PGlite-specific ones below win. */
  readonly clientConfiguration?: ClientConfigurationInput;
  readonly pglite: PGlite;
};

/**
 * A slonik pool over an in-process PGlite. Differences from a server pool, all because PGlite is
 * a single PostgreSQL session:
 * - one connection (`maxPoolSize: 1`): queries and transactions queue behind each other, so
 *   `FOR UPDATE SKIP LOCKED` never meets a lock held by someone else;
 * - no `DISCARD ALL` between uses (`resetConnection` does nothing): it would also UNLISTEN the
 *   notification listener, which shares the session; so never `SET` session state (use `SET LOCAL`);
 * - use PGlite only through this pool: a direct `pglite.query` could land inside a pool transaction.
 */
export const createPglitePool = async ({clientConfiguration = {}, pglite}: PglitePoolConfiguration): Promise<DatabasePool> => {
  return await createPool('postgres://pglite/pglite', {
    ...clientConfiguration,
    driverFactory: createPgliteDriverFactory({pglite}),
    idleTimeout: 'DISABLE_TIMEOUT',
    maximumConnectionAge: 'DISABLE_TIMEOUT',
    maxPoolSize: 1,
    resetConnection: async () => {
      // Keep the session (and its LISTENs) as it is.
    },
  });
};
