import type {DatabaseSync} from 'node:sqlite';
import {listChecks} from '../shared/listChecks.ts';
import type {Check, SeedCounts} from '../shared/types.ts';
import {isEmailDue, isPurgeEligible, NOW} from './userAccount.ts';

/**
 * What the file says after a run, next to what the seed implies: the examples' checks
 * (examples/shared/listChecks.ts) counted in SQLite's SQL.
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

  return listChecks({accounts, executions, seed, taskNames});
};
