import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import type {EmailSender} from './createFakeEmailSender.ts';
import type {ExampleTask} from './types.ts';
import {getUserAccountTable, isEmailDue} from './userAccount.ts';

const recipient = z.object({email: z.string(), id: z.number()});

/**
 * Sends the emails that are due. Each instruction is a user id; the handler sends the batch's
 * emails concurrently and records the sent ones (email_sent_at) with one statement; the processor
 * then completes their executions and fails those whose send failed, so the email is claimed again
 * later. Delivery is at least once: a crash between the send and the update sends that email again.
 */
export const createSendUserEmailTask = ({pool, schema, sender}: {
  readonly pool: DatabasePool;
  readonly schema: string;
  readonly sender: EmailSender;
}): ExampleTask => {
  const table = getUserAccountTable(schema);
  let sent = 0;

  return {
    // The seed's example: due, unsent, not being sent by anyone else right now.
    claim: ({isActiveInstruction, limit}) => sql.type(z.object({id: z.number()}))`
      SELECT u.id
      FROM ${table} u
      WHERE ${isEmailDue('u')} AND NOT ${isActiveInstruction(sql.fragment`u.id`)}
      ORDER BY u.email_due_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    `,
    concurrency: 1_000,
    getDoneCount: () => sent,
    handleBatch: async (instructions) => {
      // Rows no longer due (sent or deleted meanwhile) are not sent; their executions still complete.
      const recipients = await pool.any(sql.type(recipient)`
        SELECT u.id, u.email
        FROM ${table} u
        WHERE u.id = ANY(${sql.array(instructions, 'int4')}) AND ${isEmailDue('u')}
      `);
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

      await pool.query(sql.type(z.object({}))`
        UPDATE ${table} SET email_sent_at = now()
        WHERE id = ANY(${sql.array(sentIds, 'int4')}) AND email_sent_at IS NULL
      `);
      sent += sentIds.length;

      return failures;
    },
    maxBatchSize: 250,
    name: 'send_user_email',
    notifyColumns: ['email_due_at'],
  };
};
