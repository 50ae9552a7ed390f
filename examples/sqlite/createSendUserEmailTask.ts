import type {DatabaseSync} from 'node:sqlite';
import type {SqliteClaim} from '../../src/adapters/sqlite/types.ts';
import type {EmailSender} from '../postgres/createFakeEmailSender.ts';
import type {ExampleTask} from '../postgres/types.ts';
import {isEmailDue, NOW} from './userAccount.ts';

/**
 * Sends the emails that are due (the PostgreSQL example's task on SQLite). Each instruction is a
 * user id; the handler sends the batch's emails concurrently and records the sent ones
 * (email_sent_at) with one statement; the processor then completes their executions and fails
 * those whose send failed, so the email is claimed again later. Delivery is at least once: a crash
 * between the send and the update sends that email again.
 */
export const createSendUserEmailTask = ({database, sender}: {
  readonly database: DatabaseSync;
  readonly sender: EmailSender;
}): ExampleTask<SqliteClaim<number>> => {
  let sent = 0;

  return {
    // Due, unsent, not being sent by anyone else right now.
    claim: ({isActiveInstruction, limit, query}) => query(`
      SELECT u.id
      FROM user_account u
      WHERE ${isEmailDue('u')} AND NOT ${isActiveInstruction('u.id')}
      ORDER BY u.email_due_at
      LIMIT ?
    `, limit).map((row) => Number(row.id)),
    concurrency: 1_000,
    getDoneCount: () => sent,
    handleBatch: async (instructions) => {
      // Rows no longer due (sent or deleted meanwhile) are not sent; their executions still complete.
      const recipients = database.prepare(`
        SELECT u.id, u.email FROM user_account u
        WHERE u.id IN (SELECT value FROM json_each(?)) AND ${isEmailDue('u')}
      `).all(JSON.stringify(instructions)).map((row) => ({email: String(row.email), id: Number(row.id)}));
      const outcomes = await Promise.allSettled(recipients.map(async ({email}) => {
        await sender.send({subject: 'Your account summary', to: email});
      }));
      const failures = new Map<number, unknown>();

      for (const [index, {id}] of recipients.entries()) {
        const outcome = outcomes[index];

        if (outcome?.status === 'rejected') {
          failures.set(id, outcome.reason);
        }
      }

      const sentIds = recipients.map(({id}) => id).filter((id) => !failures.has(id));

      database.prepare(`
        UPDATE user_account SET email_sent_at = ${NOW}
        WHERE id IN (SELECT value FROM json_each(?)) AND email_sent_at IS NULL
      `).run(JSON.stringify(sentIds));
      sent += sentIds.length;

      return failures;
    },
    maxBatchSize: 250,
    name: 'send_user_email',
    notifyColumns: ['email_due_at'],
  };
};
