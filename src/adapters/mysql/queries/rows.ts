/**
 * What every MySQL store query shares. Every value (task names, instructions, errors, times) is a
 * `?` parameter of mysql2's `query` (arrays expand to lists); table names come quoted from
 * createMysqlTables. Times are the injected clock's milliseconds.
 */
import type {ResultSetHeader, RowDataPacket} from 'mysql2/promise';
import type {MysqlQueryable} from '../types.ts';

/** The rows of a SELECT. */
export const selectRows = async (connection: MysqlQueryable, sql: string, values: readonly unknown[] = []): Promise<RowDataPacket[]> => {
  const [rows] = await connection.query<RowDataPacket[]>(sql, [...values]);

  return rows;
};

/** The header of an INSERT, UPDATE or DELETE (affectedRows, insertId). */
export const runStatement = async (connection: MysqlQueryable, sql: string, values: readonly unknown[] = []): Promise<ResultSetHeader> => {
  const [header] = await connection.query<ResultSetHeader>(sql, [...values]);

  return header;
};

/** Execution ids are BIGINT: numbers exact up to 2^53, as everywhere else in Planton. */
export const toId = (value: unknown): number => Number(value);

/** A nullable BIGINT column as a number. */
export const toNullableNumber = (value: unknown): number | null => value === null || value === undefined ? null : Number(value);

/**
 * An execution of the table aliased `alias` (or unaliased) is RUNNING: its active_instruction_hash,
 * NULL once it ended, is set. The same rows as `ended_at IS NULL`, found by the unique key
 * (maintenance_task_id, active_instruction_hash), the one secondary index on ended_at's state
 * (migration 0002): with the task's id it is a range of that key, not a scan of the history.
 */
export const isRunning = (alias = ''): string => `${alias === '' ? '' : `${alias}.`}active_instruction_hash IS NOT NULL`;
