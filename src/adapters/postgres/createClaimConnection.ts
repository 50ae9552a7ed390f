import type {DatabasePool} from 'slonik';
import {createPreparedStatements, type QueryMethods} from './createPreparedStatements.ts';
import {getSqlState} from './getSqlState.ts';

export type ClaimConnection = {
  /** Runs each statement on the held connection when it is free, else through `fallback` (the pool). */
  readonly statements: QueryMethods;
  /** Gives the held connection back to the pool; later statements go through `fallback`. */
  readonly release: () => Promise<void>;
};

/**
 * One connection of the user's pool held for the store's claims (`claimConnection: true`): a claim
 * that finds it free skips the pool's checkout, which is on the path from a wake-up to the `task`
 * event. A claim that finds it busy (another task's claim is running) goes through the pool. A
 * statement that fails without an SQLSTATE (the connection broke) gives the connection back for
 * good: claims then go through the pool only. The pool must keep another connection for
 * everything else (transactions, completions).
 */
export const createClaimConnection = async ({fallback, pool, preparedStatements}: {
  readonly fallback: QueryMethods;
  readonly pool: DatabasePool;
  readonly preparedStatements: boolean;
}): Promise<ClaimConnection> => {
  let held: QueryMethods | null = null;
  /** The statement running on the held connection, if any. */
  let running: Promise<unknown> | null = null;
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let acquired = () => {};
  const ready = new Promise<void>((resolve) => {
    acquired = resolve;
  });
  // Settles once `release` is called, or at once when no connection could be had (claims then use the pool).
  const connected = pool.connect(async (connection) => {
    held = createPreparedStatements(connection, {enabled: preparedStatements});
    acquired();
    await released;
  }).catch(() => undefined).finally(() => {
    held = null;
    acquired();
  });

  await ready;

  const run = async <Result>(execute: (methods: QueryMethods) => Promise<Result>): Promise<Result> => {
    const connection = held;

    if (connection === null || running !== null) {
      return await execute(fallback);
    }

    const result = execute(connection);

    running = result.catch(() => undefined);

    try {
      return await result;
    } catch (error) {
      if (getSqlState(error) === null) {
        held = null;
        release();
      }

      throw error;
    } finally {
      running = null;
    }
  };

  return {
    release: async () => {
      held = null;
      // A claim still running on the connection finishes before it goes back to the pool.
      await running;
      release();
      await connected;
    },
    statements: {
      any: async (token) => await run(async (methods) => await methods.any(token)),
      anyFirst: async (token) => await run(async (methods) => await methods.anyFirst(token)),
      maybeOneFirst: async (token) => await run(async (methods) => await methods.maybeOneFirst(token)),
      query: async (token) => await run(async (methods) => await methods.query(token)),
    },
  };
};
