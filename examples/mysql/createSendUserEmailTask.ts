import type {Pool, RowDataPacket} from 'mysql2/promise';
import type {MysqlClaim} from '../../src/adapters/mysql/types.ts';
import type {EmailSender} from '../postgres/createFakeEmailSender.ts';
import type {ExampleTask} from '../postgres/types.ts';
import {getUserAccountTable, isEmailDue} from './userAccount.ts';

/**
 * Sends the emails that are due (examples/postgres's task, in MySQL's SQL): the handler sends the
 * batch's emails concurrently and records the sent ones with one statement; the processor then
 * completes their executions and fails those whose send failed, so the email is claimed again
 * later. Delivery is at least once: a crash between the send and the update sends that email again.
 */
export const createSendUserEmailTask = ({database, pool, sender}: {
  readonly database: string;
  readonly pool: Pool;
  readonly sender: EmailSender;
}): ExampleTask<MysqlClaim<number>> => {
  const table = getUserAccountTable(database);
  let sent = 0;

  return {
    claim: ({isActiveInstruction, limit}) => ({
      sql: `
        SELECT u.id
        FROM ${table} u
        WHERE ${isEmailDue('u')} AND NOT ${isActiveInstruction('u.id')}
        ORDER BY u.email_due_at
        LIMIT ?
        FOR UPDATE SKIP LOCKED
      `,
      values: [limit],
    }),
    concurrency: 1_000,
    getDoneCount: () => sent,
    handleBatch: async (instructions) => {
      // Rows no longer due (sent or deleted meanwhile) are not sent; their executions still complete.
      const [recipients] = await pool.query<RowDataPacket[]>(`SELECT u.id, u.email FROM ${table} u WHERE u.id IN (?) AND ${isEmailDue('u')}`, [[...instructions]]);
      const outcomes = await Promise.allSettled(recipients.map(async ({email}) => {
        await sender.send({subject: 'Your account summary', to: String(email)});
      }));
      const failures = new Map<number, unknown>();

      for (const [index, {id}] of recipients.entries()) {
        const outcome = outcomes[index];

        if (outcome?.status === 'rejected') {
          failures.set(Number(id), outcome.reason);
        }
      }

      const sentIds = recipients.map(({id}) => Number(id)).filter((id) => !failures.has(id));

      if (sentIds.length > 0) {
        await pool.query(`UPDATE ${table} SET email_sent_at = NOW(3) WHERE id IN (?) AND email_sent_at IS NULL`, [sentIds]);
      }

      sent += sentIds.length;

      return failures;
    },
    maxBatchSize: 250,
    name: 'send_user_email',
    notifyColumns: ['email_due_at'],
  };
};
