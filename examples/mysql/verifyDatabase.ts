import type {Pool, RowDataPacket} from 'mysql2/promise';
import {listChecks} from '../shared/listChecks.ts';
import type {Check, SeedCounts} from '../shared/types.ts';
import {getUserAccountTable, isEmailDue, isPurgeEligible} from './userAccount.ts';

/**
 * What the database says after a run, next to what the seed implies (examples/shared/listChecks.ts,
 * counted in MySQL's SQL): nothing eligible left, nothing outside the conditions touched, and every
 * instruction completed exactly once.
 */
export const verifyDatabase = async (pool: Pool, {database, seed, taskNames}: {
  readonly database: string;
  readonly seed: SeedCounts;
  readonly taskNames: {readonly email: string; readonly purge: string};
}): Promise<readonly Check[]> => {
  const table = getUserAccountTable(database);
  const [accountRows] = await pool.query<RowDataPacket[]>(`
    SELECT
      COUNT(*) AS users,
      SUM(${isPurgeEligible('u')}) AS purgeEligible,
      SUM(u.deleted_at IS NOT NULL) AS deleted,
      SUM(${isEmailDue('u')}) AS emailsDue,
      SUM(u.email_sent_at IS NOT NULL) AS emailsSent,
      SUM(u.email_due_at > NOW(3) AND u.email_sent_at IS NULL) AS emailsFutureUnsent,
      SUM(u.email_due_at > NOW(3) AND u.email_sent_at IS NOT NULL) AS emailsFutureSent
    FROM ${table} u
  `);
  const [executions] = await pool.query<RowDataPacket[]>(`
    SELECT
      t.nid AS taskName,
      SUM(e.state = 'COMPLETED') AS completed,
      COUNT(DISTINCT CASE WHEN e.state = 'COMPLETED' THEN e.instruction END) AS completedInstructions,
      SUM(e.state = 'RUNNING') AS running
    FROM \`${database}\`.planton_maintenance_task t
    LEFT JOIN \`${database}\`.planton_maintenance_task_execution e ON e.maintenance_task_id = t.id
    GROUP BY t.nid
  `);

  return listChecks({accounts: accountRows[0] ?? {}, executions, seed, taskNames});
};
