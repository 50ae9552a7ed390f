import type {DatabaseSync} from 'node:sqlite';

/**
 * Runs `work` inside `BEGIN IMMEDIATE … COMMIT` on `database`, rolling back when it throws.
 * IMMEDIATE takes SQLite's write lock at BEGIN (waiting up to the connection's busy timeout for a
 * writer of another connection or process), so what `work` reads cannot be changed by another
 * writer before it commits: this is what makes a claim, a completion or a migration atomic across
 * processes sharing one file. `work` is synchronous on purpose: nothing else of this process may
 * run between BEGIN and COMMIT on the same connection.
 */
export const runImmediateTransaction = <Result>(database: DatabaseSync, work: () => Result): Result => {
  database.exec('BEGIN IMMEDIATE');

  try {
    const result = work();

    database.exec('COMMIT');

    return result;
  } catch (error) {
    if (database.isTransaction) {
      database.exec('ROLLBACK');
    }

    throw error;
  }
};
