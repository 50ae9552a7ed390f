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
