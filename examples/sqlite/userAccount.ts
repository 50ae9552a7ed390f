/**
 * The example's own table and the two conditions the tasks work on, as SQL text for SQLite (times
 * are integer milliseconds since the epoch). Claims, progress counts and the final verification all
 * use these, so they cannot disagree about what is eligible.
 */

/** Soft-deleted accounts are kept this long (14 days, in ms), then hard-deleted by purge_soft_deleted. */
export const RETENTION_PERIOD = 14 * 86_400_000;

/** Now, in milliseconds since the epoch, as SQLite computes it. */
export const NOW = `CAST(unixepoch('subsec') * 1000 AS integer)`;

/** `alias` (a row of user_account) was soft-deleted longer ago than the retention period. */
export const isPurgeEligible = (alias: string): string => `${alias}.deleted_at < ${NOW} - ${RETENTION_PERIOD}`;

/** `alias` (a row of user_account) is a live account whose email is due and not sent yet. */
export const isEmailDue = (alias: string): string => `${alias}.email_sent_at IS NULL AND ${alias}.email_due_at <= ${NOW} AND ${alias}.deleted_at IS NULL`;
