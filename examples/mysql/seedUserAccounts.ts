import type {Pool, RowDataPacket} from 'mysql2/promise';
import type {SeedCounts} from '../shared/types.ts';
import {getUserAccountTable, isEmailDue, isPurgeEligible} from './userAccount.ts';

/** Row numbers sent per INSERT. */
const CHUNK = 5_000;

/**
 * Inserts `users` accounts with the mix of examples/postgres/seedUserAccounts.ts (row `i` in bucket
 * `i % 20`; times relative to NOW()): the row numbers go to a scratch table in chunks, then one
 * INSERT … SELECT computes every row in SQL, so the server's clock alone decides what is due.
 */
export const seedUserAccounts = async (pool: Pool, {database, users}: {readonly database: string; readonly users: number}): Promise<SeedCounts> => {
  const table = getUserAccountTable(database);
  const numbers = `\`${database}\`.seed_number`;

  await pool.query(`CREATE TABLE ${numbers} (i INT NOT NULL PRIMARY KEY) ENGINE=InnoDB`);

  for (let start = 1; start <= users; start += CHUNK) {
    await pool.query(`INSERT INTO ${numbers} (i) VALUES ?`, [Array.from({length: Math.min(CHUNK, users - start + 1)}, (_, index) => [start + index])]);
  }

  await pool.query(`
    INSERT INTO ${table} (email, created_at, deleted_at, email_due_at, email_sent_at)
    SELECT
      CONCAT('user', i, '@example.com'),
      NOW(3) - INTERVAL 400 DAY + INTERVAL (i % 300) DAY,
      CASE
        WHEN i % 20 < 3 THEN NOW(3) - INTERVAL 15 DAY - INTERVAL (i % 45) DAY - INTERVAL (i % 1440) MINUTE
        WHEN i % 20 = 3 THEN NOW(3) - INTERVAL 1 HOUR - INTERVAL (i % 13) DAY
      END,
      CASE
        WHEN i % 20 BETWEEN 4 AND 9 THEN NOW(3) - INTERVAL 1 MINUTE - INTERVAL (i % 10080) MINUTE
        WHEN i % 20 BETWEEN 10 AND 11 THEN NOW(3) + INTERVAL 1 HOUR + INTERVAL (i % 168) HOUR
        WHEN i % 20 = 12 THEN NOW(3) - INTERVAL 1 DAY - INTERVAL (i % 1440) MINUTE
      END,
      CASE
        WHEN i % 20 = 12 THEN NOW(3) - INTERVAL 1 DAY - INTERVAL (i % 1440) MINUTE + INTERVAL 5 SECOND
      END
    FROM ${numbers}
    ORDER BY i
  `);
  await pool.query(`DROP TABLE ${numbers}`);
  await pool.query(`ANALYZE TABLE ${table}`);

  const [rows] = await pool.query<RowDataPacket[]>(`
    SELECT
      COUNT(*) AS users,
      SUM(${isPurgeEligible('u')}) AS purgeEligible,
      SUM(u.deleted_at IS NOT NULL AND NOT (${isPurgeEligible('u')})) AS recentlyDeleted,
      SUM(${isEmailDue('u')}) AS emailsDue,
      SUM(u.email_sent_at IS NULL AND u.email_due_at > NOW(3)) AS emailsFuture,
      SUM(u.email_sent_at IS NOT NULL) AS emailsAlreadySent
    FROM ${table} u
  `);
  const row: Record<string, unknown> = rows[0] ?? {};

  return {
    emailsAlreadySent: Number(row.emailsAlreadySent ?? 0),
    emailsDue: Number(row.emailsDue ?? 0),
    emailsFuture: Number(row.emailsFuture ?? 0),
    purgeEligible: Number(row.purgeEligible ?? 0),
    recentlyDeleted: Number(row.recentlyDeleted ?? 0),
    users: Number(row.users ?? 0),
  };
};
