import type {DatabaseSync} from 'node:sqlite';
import type {SeedCounts} from '../postgres/seedUserAccounts.ts';
import type {Check} from '../postgres/verifyDatabase.ts';
import {isEmailDue, isPurgeEligible, NOW} from './userAccount.ts';

/**
 * What the file says after a run, next to what the seed implies: the PostgreSQL example's checks
 * (examples/postgres/verifyDatabase.ts) on SQLite.
 */
export const verifyDatabase = (database: DatabaseSync, {seed, tablePrefix, taskNames}: {
  readonly seed: SeedCounts;
  readonly tablePrefix: string;
  readonly taskNames: {readonly email: string; readonly purge: string};
}): readonly Check[] => {
  const accounts = database.prepare(`
    SELECT
      count(*) AS users,
      count(*) FILTER (WHERE ${isPurgeEligible('u')}) AS purgeEligible,
      count(*) FILTER (WHERE u.deleted_at IS NOT NULL) AS deleted,
      count(*) FILTER (WHERE ${isEmailDue('u')}) AS emailsDue,
      count(*) FILTER (WHERE u.email_sent_at IS NOT NULL) AS emailsSent,
      count(*) FILTER (WHERE u.email_due_at > ${NOW} AND u.email_sent_at IS NULL) AS emailsFutureUnsent,
      count(*) FILTER (WHERE u.email_due_at > ${NOW} AND u.email_sent_at IS NOT NULL) AS emailsFutureSent
    FROM user_account u
  `).get() ?? {};
  const executions = database.prepare(`
    SELECT
      t.nid AS taskName,
      count(e.id) FILTER (WHERE e.state = 'COMPLETED') AS completed,
      count(DISTINCT e.instruction) FILTER (WHERE e.state = 'COMPLETED') AS completedInstructions,
      count(e.id) FILTER (WHERE e.state = 'RUNNING') AS running
    FROM "${tablePrefix}maintenance_task" t
    LEFT JOIN "${tablePrefix}maintenance_task_execution" e ON e.maintenance_task_id = t.id
    GROUP BY t.nid
  `).all();
  const of = (taskName: string) => {
    const row = executions.find((candidate) => candidate.taskName === taskName);

    return {completed: Number(row?.completed ?? 0), completedInstructions: Number(row?.completedInstructions ?? 0), running: Number(row?.running ?? 0)};
  };
  const purge = of(taskNames.purge);
  const email = of(taskNames.email);

  return [
    {actual: Number(accounts.purgeEligible), expected: 0, label: 'accounts soft-deleted over 14 days ago left'},
    {actual: Number(accounts.emailsDue), expected: 0, label: 'due emails left unsent'},
    {actual: Number(accounts.deleted), expected: seed.recentlyDeleted, label: 'recently soft-deleted accounts kept'},
    {actual: Number(accounts.users), expected: seed.users - seed.purgeEligible, label: 'accounts left'},
    {actual: Number(accounts.emailsFutureUnsent), expected: seed.emailsFuture, label: 'future emails unsent'},
    {actual: Number(accounts.emailsFutureSent), expected: 0, label: 'future emails sent'},
    {actual: Number(accounts.emailsSent), expected: seed.emailsAlreadySent + seed.emailsDue, label: 'emails sent, before and during the run'},
    {actual: purge.completed, expected: seed.purgeEligible, label: `${taskNames.purge} executions completed`},
    {actual: purge.completedInstructions, expected: seed.purgeEligible, label: `${taskNames.purge} distinct instructions completed`},
    {actual: email.completed, expected: seed.emailsDue, label: `${taskNames.email} executions completed`},
    {actual: email.completedInstructions, expected: seed.emailsDue, label: `${taskNames.email} distinct instructions completed`},
    {actual: purge.running + email.running, expected: 0, label: 'executions still running'},
  ];
};
