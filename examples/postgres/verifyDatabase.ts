import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {listChecks} from '../shared/listChecks.ts';
import type {Check, SeedCounts} from '../shared/types.ts';
import {getUserAccountTable, isEmailDue, isPurgeEligible} from './userAccount.ts';

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
 * What the database says after a run, next to what the seed implies (examples/shared/listChecks.ts):
 * nothing eligible left, nothing outside the conditions touched, and every instruction completed
 * exactly once.
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

  return listChecks({accounts, executions, seed, taskNames});
};
