import type {DatabaseSync} from 'node:sqlite';
import type {RemainingWork} from '../shared/types.ts';
import {isEmailDue, isPurgeEligible} from './userAccount.ts';

/** Rows each task still has to do, as the file says now (both counts use a partial index). */
export const countRemainingWork = (database: DatabaseSync): RemainingWork => {
  const row = database.prepare(`
    SELECT
      (SELECT count(*) FROM user_account u WHERE ${isPurgeEligible('u')}) AS purgeEligible,
      (SELECT count(*) FROM user_account u WHERE ${isEmailDue('u')}) AS emailsDue
  `).get() ?? {};

  return {emailsDue: Number(row.emailsDue), purgeEligible: Number(row.purgeEligible)};
};
