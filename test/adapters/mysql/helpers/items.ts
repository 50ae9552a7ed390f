import type {Pool, RowDataPacket} from 'mysql2/promise';
import type {MysqlClaim} from '../../../../src/adapters/mysql/types.ts';

/** A table of work items `database.item(id, processed_count)` with `count` rows. */
export const createItems = async (pool: Pool, database: string, count: number) => {
  await pool.query(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
  await pool.query(`CREATE TABLE \`${database}\`.item (id INT NOT NULL PRIMARY KEY, processed_count INT NOT NULL DEFAULT 0) ENGINE=InnoDB`);

  if (count > 0) {
    await pool.query(`INSERT INTO \`${database}\`.item (id) VALUES ?`, [Array.from({length: count}, (_, index) => [index + 1])]);
  }
};

/** Claims unprocessed items that have no RUNNING execution, locking them (FOR UPDATE SKIP LOCKED). */
export const createItemClaim = (database: string): MysqlClaim<number> => {
  return ({isActiveInstruction, limit}) => ({
    sql: `
      SELECT i.id
      FROM \`${database}\`.item i
      WHERE i.processed_count = 0 AND NOT ${isActiveInstruction('i.id')}
      ORDER BY i.id
      LIMIT ?
      FOR UPDATE SKIP LOCKED
    `,
    values: [limit],
  });
};

export const countExecutions = async (pool: Pool, database: string, tablePrefix = 'planton_'): Promise<Record<string, number>> => {
  const [rows] = await pool.query<RowDataPacket[]>(`SELECT state, COUNT(*) AS count FROM \`${database}\`.\`${tablePrefix}maintenance_task_execution\` GROUP BY state`);

  return Object.fromEntries(rows.map((row) => [String(row.state), Number(row.count)]));
};

export const countRunning = async (pool: Pool, database: string, tablePrefix = 'planton_'): Promise<number> => {
  const [rows] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS count FROM \`${database}\`.\`${tablePrefix}maintenance_task_execution\` WHERE ended_at IS NULL`);

  return Number(rows[0]?.count);
};
