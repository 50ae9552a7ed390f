import type {Pool, RowDataPacket} from 'mysql2/promise';
import type {RemainingWork} from '../shared/types.ts';
import {getUserAccountTable, isEmailDue, isPurgeEligible} from './userAccount.ts';

/** Rows each task still has to do, as the database sees them now. */
export const countRemainingWork = async (pool: Pool, database: string): Promise<RemainingWork> => {
  const table = getUserAccountTable(database);
  const [rows] = await pool.query<RowDataPacket[]>(`
    SELECT
      (SELECT COUNT(*) FROM ${table} u WHERE ${isPurgeEligible('u')}) AS purgeEligible,
      (SELECT COUNT(*) FROM ${table} u WHERE ${isEmailDue('u')}) AS emailsDue
  `);

  return {emailsDue: Number(rows[0]?.emailsDue ?? 0), purgeEligible: Number(rows[0]?.purgeEligible ?? 0)};
};
