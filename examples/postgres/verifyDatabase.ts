import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import type {SeedCounts} from './seedUserAccounts.ts';
import {getUserAccountTable, isEmailDue, isPurgeEligible} from './userAccount.ts';

export type Check = {
  readonly actual: number;
  readonly expected: number;
  readonly label: string;
};

const accountCounts = z.object({
  deleted: z.number(),
  emailsDue: z.number(),
  emailsFutureSent: z.number(),
  emailsFutureUnsent: z.number(),
  emailsSent: z.number(),
  purgeEligible: z.number(),
  users: z.number(),
});

const executionCounts = z.object({
  completed: z.number(),
  completedInstructions: z.number(),
  running: z.number(),
  taskName: z.string(),
});

/**
 * What the database says after a run, next to what the seed implies: nothing eligible left,
 * nothing outside the conditions touched, and every instruction completed exactly once.
 */
export const verifyDatabase = async (pool: DatabasePool, {schema, seed, taskNames}: {
  readonly schema: string;
  readonly seed: SeedCounts;
  readonly taskNames: {readonly email: string; readonly purge: string};
}): Promise<readonly Check[]> => {
  const table = getUserAccountTable(schema);
  const accounts = await pool.one(sql.type(accountCounts)`
    SELECT
      count(*)::int4 AS "users",
      (count(*) FILTER (WHERE ${isPurgeEligible('u')}))::int4 AS "purgeEligible",
      (count(*) FILTER (WHERE u.deleted_at IS NOT NULL))::int4 AS "deleted",
      (count(*) FILTER (WHERE ${isEmailDue('u')}))::int4 AS "emailsDue",
      (count(*) FILTER (WHERE u.email_sent_at IS NOT NULL))::int4 AS "emailsSent",
      (count(*) FILTER (WHERE u.email_due_at > now() AND u.email_sent_at IS NULL))::int4 AS "emailsFutureUnsent",
      (count(*) FILTER (WHERE u.email_due_at > now() AND u.email_sent_at IS NOT NULL))::int4 AS "emailsFutureSent"
    FROM ${table} u
  `);
  const executions = await pool.any(sql.type(executionCounts)`
    SELECT
      t.nid AS "taskName",
      (count(e.id) FILTER (WHERE e.state = 'COMPLETED'))::int4 AS "completed",
      (count(DISTINCT e.instruction) FILTER (WHERE e.state = 'COMPLETED'))::int4 AS "completedInstructions",
      (count(e.id) FILTER (WHERE e.state = 'RUNNING'))::int4 AS "running"
    FROM ${sql.identifier([schema, 'maintenance_task'])} t
    LEFT JOIN ${sql.identifier([schema, 'maintenance_task_execution'])} e ON e.maintenance_task_id = t.id
    GROUP BY t.nid
  `);
  const of = (taskName: string) => executions.find((row) => row.taskName === taskName) ?? {completed: 0, completedInstructions: 0, running: 0, taskName};
  const purge = of(taskNames.purge);
  const email = of(taskNames.email);

  return [
    {actual: accounts.purgeEligible, expected: 0, label: 'accounts soft-deleted over 14 days ago left'},
    {actual: accounts.emailsDue, expected: 0, label: 'due emails left unsent'},
    {actual: accounts.deleted, expected: seed.recentlyDeleted, label: 'recently soft-deleted accounts kept'},
    {actual: accounts.users, expected: seed.users - seed.purgeEligible, label: 'accounts left'},
    {actual: accounts.emailsFutureUnsent, expected: seed.emailsFuture, label: 'future emails unsent'},
    {actual: accounts.emailsFutureSent, expected: 0, label: 'future emails sent'},
    {actual: accounts.emailsSent, expected: seed.emailsAlreadySent + seed.emailsDue, label: 'emails sent, before and during the run'},
    {actual: purge.completed, expected: seed.purgeEligible, label: `${taskNames.purge} executions completed`},
    {actual: purge.completedInstructions, expected: seed.purgeEligible, label: `${taskNames.purge} distinct instructions completed`},
    {actual: email.completed, expected: seed.emailsDue, label: `${taskNames.email} executions completed`},
    {actual: email.completedInstructions, expected: seed.emailsDue, label: `${taskNames.email} distinct instructions completed`},
    {actual: purge.running + email.running, expected: 0, label: 'executions still running'},
  ];
};
