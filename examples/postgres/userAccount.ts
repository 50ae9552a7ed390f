/**
 * The example's own table and the two conditions the tasks work on. Claims, progress counts and
 * the final verification all use these fragments, so they cannot disagree about what is eligible.
 */
import {type FragmentSqlToken, type IdentifierSqlToken, sql} from 'slonik';

/** Soft-deleted accounts are kept this long, then hard-deleted by purge_soft_deleted. */
export const RETENTION_PERIOD = '14 days';

export const getUserAccountTable = (schema: string): IdentifierSqlToken => {
  return sql.identifier([schema, 'user_account']);
};

/** `alias` (a row of user_account) was soft-deleted longer ago than the retention period. */
export const isPurgeEligible = (alias: string): FragmentSqlToken => {
  const row = sql.identifier([alias]);

  return sql.fragment`${row}.deleted_at < now() - ${RETENTION_PERIOD}::interval`;
};

/** `alias` (a row of user_account) is a live account whose email is due and not sent yet. */
export const isEmailDue = (alias: string): FragmentSqlToken => {
  const row = sql.identifier([alias]);

  return sql.fragment`${row}.email_sent_at IS NULL AND ${row}.email_due_at <= now() AND ${row}.deleted_at IS NULL`;
};
