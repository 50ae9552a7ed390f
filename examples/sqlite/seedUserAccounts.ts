import type {DatabaseSync} from 'node:sqlite';
import type {SeedCounts} from '../shared/types.ts';
import {isEmailDue, isPurgeEligible, NOW} from './userAccount.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Inserts `users` accounts in one statement, with the PostgreSQL example's mix (row `i` in bucket
 * `i % 20`; see examples/postgres/seedUserAccounts.ts), and counts what the seed holds.
 */
export const seedUserAccounts = (database: DatabaseSync, {users}: {readonly users: number}): SeedCounts => {
  database.prepare(`
    WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1),
    now (ms) AS (SELECT ${NOW})
    INSERT INTO user_account (email, created_at, deleted_at, email_due_at, email_sent_at)
    SELECT
      'user' || i || '@example.com',
      now.ms - 400 * ${DAY} + (i % 300) * ${DAY},
      CASE
        WHEN i % 20 < 3 THEN now.ms - 15 * ${DAY} - (i % 45) * ${DAY} - (i % 1440) * ${MINUTE}
        WHEN i % 20 = 3 THEN now.ms - ${HOUR} - (i % 13) * ${DAY}
      END,
      CASE
        WHEN i % 20 BETWEEN 4 AND 9 THEN now.ms - ${MINUTE} - (i % 10080) * ${MINUTE}
        WHEN i % 20 BETWEEN 10 AND 11 THEN now.ms + ${HOUR} + (i % 168) * ${HOUR}
        WHEN i % 20 = 12 THEN now.ms - ${DAY} - (i % 1440) * ${MINUTE}
      END,
      CASE
        WHEN i % 20 = 12 THEN now.ms - ${DAY} - (i % 1440) * ${MINUTE} + 5000
      END
    FROM n, now
  `).run(users);
  database.exec('ANALYZE user_account');

  const row = database.prepare(`
    SELECT
      count(*) AS users,
      count(*) FILTER (WHERE ${isPurgeEligible('u')}) AS purgeEligible,
      count(*) FILTER (WHERE u.deleted_at IS NOT NULL AND NOT (${isPurgeEligible('u')})) AS recentlyDeleted,
      count(*) FILTER (WHERE ${isEmailDue('u')}) AS emailsDue,
      count(*) FILTER (WHERE u.email_sent_at IS NULL AND u.email_due_at > ${NOW}) AS emailsFuture,
      count(*) FILTER (WHERE u.email_sent_at IS NOT NULL) AS emailsAlreadySent
    FROM user_account u
  `).get() ?? {};

  return {
    emailsAlreadySent: Number(row.emailsAlreadySent),
    emailsDue: Number(row.emailsDue),
    emailsFuture: Number(row.emailsFuture),
    purgeEligible: Number(row.purgeEligible),
    recentlyDeleted: Number(row.recentlyDeleted),
    users: Number(row.users),
  };
};
