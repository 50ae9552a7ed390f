/**
 * The example's own table on MySQL and the two conditions the tasks work on (the MySQL spelling of
 * examples/postgres/userAccount.ts). Claims, progress counts and the final verification all use
 * these conditions, so they cannot disagree about what is eligible.
 */

/** Soft-deleted accounts are kept this long (days), then hard-deleted by purge_soft_deleted. */
export const RETENTION_DAYS = 14;

/** The quoted table `` `database`.`user_account` `` (the database name is checked by connectDatabase). */
export const getUserAccountTable = (database: string): string => {
  return `\`${database}\`.user_account`;
};

/** `alias` (a row of user_account) was soft-deleted longer ago than the retention period. */
export const isPurgeEligible = (alias: string): string => {
  return `${alias}.deleted_at < NOW(3) - INTERVAL ${RETENTION_DAYS} DAY`;
};

/** `alias` (a row of user_account) is a live account whose email is due and not sent yet. */
export const isEmailDue = (alias: string): string => {
  return `(${alias}.email_sent_at IS NULL AND ${alias}.email_due_at <= NOW(3) AND ${alias}.deleted_at IS NULL)`;
};
