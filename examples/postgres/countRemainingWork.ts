import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import type {RemainingWork} from '../shared/types.ts';
import {getUserAccountTable, isEmailDue, isPurgeEligible} from './userAccount.ts';

const remainingWork = z.object({
  emailsDue: z.number(),
  purgeEligible: z.number(),
});

/** Rows each task still has to do, as the database sees them now (both counts use a partial index). */
export const countRemainingWork = async (pool: DatabasePool, schema: string): Promise<RemainingWork> => {
  const table = getUserAccountTable(schema);

  return await pool.one(sql.type(remainingWork)`
    SELECT
      (SELECT count(*)::int4 FROM ${table} u WHERE ${isPurgeEligible('u')}) AS "purgeEligible",
      (SELECT count(*)::int4 FROM ${table} u WHERE ${isEmailDue('u')}) AS "emailsDue"
  `);
};
