import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import type {SeedCounts} from '../shared/types.ts';
import {getUserAccountTable, isEmailDue, isPurgeEligible} from './userAccount.ts';

const counts = z.object({
  emailsAlreadySent: z.number(),
  emailsDue: z.number(),
  emailsFuture: z.number(),
  purgeEligible: z.number(),
  recentlyDeleted: z.number(),
  users: z.number(),
});

/**
 * Inserts `users` accounts in one set-based statement. Row `i` falls in bucket `i % 20`, so the
 * mix is deterministic (times are relative to now()):
 * - 0–2 (15 %): soft-deleted 15–60 days ago: to purge;
 * - 3 (5 %): soft-deleted 1 hour to 12 days ago: within retention, must stay;
 * - 4–9 (30 %): email due in the last 7 days: to send;
 * - 10–11 (10 %): email due in 1 hour to 8 days: must stay unsent;
 * - 12 (5 %): email due in the past and already sent: must not be sent again;
 * - the rest: live accounts with nothing to do.
 */
export const seedUserAccounts = async (pool: DatabasePool, {schema, users}: {readonly schema: string; readonly users: number}): Promise<SeedCounts> => {
  const table = getUserAccountTable(schema);

  await pool.query(sql.type(z.object({}))`
    INSERT INTO ${table} (email, created_at, deleted_at, email_due_at, email_sent_at)
    SELECT
      'user' || i || '@example.com',
      now() - interval '400 days' + (i % 300) * interval '1 day',
      CASE
        WHEN i % 20 < 3 THEN now() - interval '15 days' - (i % 45) * interval '1 day' - (i % 1440) * interval '1 minute'
        WHEN i % 20 = 3 THEN now() - interval '1 hour' - (i % 13) * interval '1 day'
      END,
      CASE
        WHEN i % 20 BETWEEN 4 AND 9 THEN now() - interval '1 minute' - (i % 10080) * interval '1 minute'
        WHEN i % 20 BETWEEN 10 AND 11 THEN now() + interval '1 hour' + (i % 168) * interval '1 hour'
        WHEN i % 20 = 12 THEN now() - interval '1 day' - (i % 1440) * interval '1 minute'
      END,
      CASE
        WHEN i % 20 = 12 THEN now() - interval '1 day' - (i % 1440) * interval '1 minute' + interval '5 seconds'
      END
    FROM generate_series(1, ${users}) AS i
  `);
  await pool.query(sql.type(z.object({}))`ANALYZE ${table}`);

  return await pool.one(sql.type(counts)`
    SELECT
      count(*)::int4 AS "users",
      (count(*) FILTER (WHERE ${isPurgeEligible('u')}))::int4 AS "purgeEligible",
      (count(*) FILTER (WHERE u.deleted_at IS NOT NULL AND NOT (${isPurgeEligible('u')})))::int4 AS "recentlyDeleted",
      (count(*) FILTER (WHERE ${isEmailDue('u')}))::int4 AS "emailsDue",
      (count(*) FILTER (WHERE u.email_sent_at IS NULL AND u.email_due_at > now()))::int4 AS "emailsFuture",
      (count(*) FILTER (WHERE u.email_sent_at IS NOT NULL))::int4 AS "emailsAlreadySent"
    FROM ${table} u
  `);
};
