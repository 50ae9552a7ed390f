import type {RowDataPacket} from 'mysql2/promise';
import type {MysqlQueryable} from './types.ts';

/**
 * Whether the server returns rows from `INSERT … RETURNING`: MariaDB does (10.5+, also with ON
 * DUPLICATE KEY UPDATE, where it returns the duplicates as they are), MySQL does not. A claim on
 * MariaDB records its executions and reads them back in one statement instead of two.
 */
export const supportsInsertReturning = async (connection: MysqlQueryable): Promise<boolean> => {
  const [rows] = await connection.query<RowDataPacket[]>('SELECT VERSION() AS version');

  return String(rows[0]?.version ?? '').includes('MariaDB');
};
