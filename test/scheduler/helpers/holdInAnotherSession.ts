import type {DatabasePool, QuerySqlToken} from 'slonik';
import {createDeferred} from '../../helpers/createManualClock.ts';

/**
 * Runs `statement` in a transaction of another session, which keeps what it locked until
 * `release()`; `held` resolves once the statement ran (and rejects if it fails).
 */
export const holdInAnotherSession = (pool: DatabasePool, statement: QuerySqlToken): {readonly held: Promise<void>; readonly release: () => Promise<void>} => {
  const release = createDeferred<void>();
  const held = createDeferred<void>();
  const transaction = pool.transaction(async (connection) => {
    await connection.query(statement);
    held.resolve();
    await release.promise;
  });

  // A statement that fails ends the wait for it too.
  transaction.catch(held.reject);

  return {
    held: held.promise,
    release: async () => {
      release.resolve();
      await transaction;
    },
  };
};
