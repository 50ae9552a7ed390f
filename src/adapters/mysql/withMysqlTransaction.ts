import type {Pool, PoolConnection} from 'mysql2/promise';

/**
 * Runs `work` in a READ COMMITTED transaction on a connection of `pool`, commits, and releases the
 * connection; rolls back when `work` rejects. READ COMMITTED: each statement sees what other
 * transactions committed before it (a claim's count of RUNNING executions under the task's row
 * lock is exact), and locking reads take no gap locks (claims inserting executions side by side do
 * not block each other). A connection whose rollback fails is destroyed, not returned to the pool.
 */
export const withMysqlTransaction = async <Result>(pool: Pool, work: (connection: PoolConnection) => Promise<Result>): Promise<Result> => {
  const connection = await pool.getConnection();
  let healthy = true;

  try {
    // Applies to the next transaction of this session only: the pool's connections keep their default.
    await connection.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    await connection.beginTransaction();

    try {
      const result = await work(connection);

      await connection.commit();

      return result;
    } catch (error) {
      try {
        await connection.rollback();
      } catch {
        healthy = false;
      }

      throw error;
    }
  } catch (error) {
    healthy &&= (error as {readonly fatal?: unknown} | null)?.fatal !== true;

    throw error;
  } finally {
    if (healthy) {
      connection.release();
    } else {
      connection.destroy();
    }
  }
};
