import type {Pool, RowDataPacket} from 'mysql2/promise';
import type {SeedCounts} from '../postgres/seedUserAccounts.ts';
import type {Check} from '../postgres/verifyDatabase.ts';
import {getUserAccountTable, isEmailDue, isPurgeEligible} from './userAccount.ts';

/**
 * What the database says after a run, next to what the seed implies (examples/postgres's checks,
 * in MySQL's SQL): nothing eligible left, nothing outside the conditions touched, and every
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
  const accounts: Record<string, unknown> = accountRows[0] ?? {};
  const count = (value: unknown) => Number(value ?? 0);
  const of = (taskName: string) => {
    const row = executions.find((each) => each.taskName === taskName);

    return {completed: count(row?.completed), completedInstructions: count(row?.completedInstructions), running: count(row?.running)};
  };
  const purge = of(taskNames.purge);
  const email = of(taskNames.email);

  return [
    {actual: count(accounts.purgeEligible), expected: 0, label: 'accounts soft-deleted over 14 days ago left'},
    {actual: count(accounts.emailsDue), expected: 0, label: 'due emails left unsent'},
    {actual: count(accounts.deleted), expected: seed.recentlyDeleted, label: 'recently soft-deleted accounts kept'},
    {actual: count(accounts.users), expected: seed.users - seed.purgeEligible, label: 'accounts left'},
    {actual: count(accounts.emailsFutureUnsent), expected: seed.emailsFuture, label: 'future emails unsent'},
    {actual: count(accounts.emailsFutureSent), expected: 0, label: 'future emails sent'},
    {actual: count(accounts.emailsSent), expected: seed.emailsAlreadySent + seed.emailsDue, label: 'emails sent, before and during the run'},
    {actual: purge.completed, expected: seed.purgeEligible, label: `${taskNames.purge} executions completed`},
    {actual: purge.completedInstructions, expected: seed.purgeEligible, label: `${taskNames.purge} distinct instructions completed`},
    {actual: email.completed, expected: seed.emailsDue, label: `${taskNames.email} executions completed`},
    {actual: email.completedInstructions, expected: seed.emailsDue, label: `${taskNames.email} distinct instructions completed`},
    {actual: purge.running + email.running, expected: 0, label: 'executions still running'},
  ];
};
