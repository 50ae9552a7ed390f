import type {Pool, PoolConnection} from 'mysql2/promise';
import {isMysqlConnectionError} from '../../adapters/mysql/isMysqlConnectionError.ts';

/** A transaction chosen by InnoDB as a deadlock's victim was rolled back whole: it is run again, at most this many times in all. */
const MAXIMUM_ATTEMPTS = 3;

const isDeadlock = (error: unknown): boolean => (error as {readonly code?: unknown} | null)?.code === 'ER_LOCK_DEADLOCK';

export type MysqlTransactionRunnerConfiguration = {
  /** Seconds a statement waits for a row lock (the session's `innodb_lock_wait_timeout`); `null` keeps the server's. */
  readonly lockWaitTimeout: number | null;
  readonly pool: Pool;
};

/**
 * Runs `run` in one READ COMMITTED transaction on a connection of the pool, and commits unless
 * `beforeCommit` throws (the caller gave up on it). Returns what `run` returned.
 */
export type MysqlTransactionRunner = <T>(run: (connection: PoolConnection) => Promise<T>, beforeCommit: () => void) => Promise<T>;

/**
 * Why READ COMMITTED (set per transaction, so the pool's own sessions keep their level): each
 * statement reads what has committed, as on PostgreSQL, so a claim counts the running jobs of
 * instances that claimed while it waited for the claim lock; and InnoDB takes no gap locks, so
 * writers of different jobs do not block each other's inserts. A transaction InnoDB rolls back as a
 * deadlock's victim runs again (it changed nothing). A connection that broke, or whose ROLLBACK
 * failed, is destroyed instead of going back to the pool.
 */
export const createMysqlTransactionRunner = ({lockWaitTimeout, pool}: MysqlTransactionRunnerConfiguration): MysqlTransactionRunner => {
  /** The sessions whose `innodb_lock_wait_timeout` is set: the setting lasts as long as the session. */
  const prepared = new WeakSet<object>();

  return async (run, beforeCommit) => {
    for (let attempt = 1; ; attempt++) {
      const connection = await pool.getConnection();
      let broken = false;

      try {
        if (lockWaitTimeout !== null && !prepared.has(connection.connection)) {
          await connection.query('SET SESSION innodb_lock_wait_timeout = ?', [lockWaitTimeout]);
          prepared.add(connection.connection);
        }

        await connection.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
        await connection.query('START TRANSACTION');

        try {
          const value = await run(connection);

          beforeCommit();
          await connection.query('COMMIT');

          return value;
        } catch (error) {
          await connection.query('ROLLBACK').catch(() => {
            broken = true;
          });

          throw error;
        }
      } catch (error) {
        broken ||= isMysqlConnectionError(error) || (error as {readonly fatal?: unknown} | null)?.fatal === true;

        if (!broken && attempt < MAXIMUM_ATTEMPTS && isDeadlock(error)) {
          continue;
        }

        throw error;
      } finally {
        if (broken) {
          connection.destroy();
        } else {
          connection.release();
        }
      }
    }
  };
};
