import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import type {PostgresStore} from '../../src/adapters/postgres/types.ts';
import type {EmailSender} from './createFakeEmailSender.ts';
import type {ExampleTask} from './types.ts';
import {getUserAccountTable, isEmailDue} from './userAccount.ts';

const TASK_NAME = 'send_user_email';

const recipient = z.object({email: z.string(), id: z.number()});

/**
 * Sends the emails that are due. Each instruction is a user id; the processor sends the batch's
 * emails concurrently, then records the sent ones (email_sent_at) and completes their executions
 * in one transaction. A send that fails fails its execution, so the email is claimed again later.
 * Delivery is at least once: a crash between the send and the commit sends that email again.
 */
export const createSendUserEmailTask = ({pool, schema, sender, store}: {
  readonly pool: DatabasePool;
  readonly schema: string;
  readonly sender: EmailSender;
  readonly store: PostgresStore<number>;
}): ExampleTask => {
  const table = getUserAccountTable(schema);

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
    maximumBatchSize: 250,
    name: TASK_NAME,
    notifyColumns: ['email_due_at'],
    processBatch: async (instructions) => {
      // Rows no longer due (sent or deleted meanwhile) are not sent; their executions still complete.
      const recipients = await pool.any(sql.type(recipient)`
        SELECT u.id, u.email
        FROM ${table} u
        WHERE u.id = ANY(${sql.array(instructions, 'int4')}) AND ${isEmailDue('u')}
      `);
      const outcomes = await Promise.allSettled(recipients.map(async ({email}) => {
        await sender.send({subject: 'Your account summary', to: email});
      }));
      const failed = new Map<number, unknown>();

      for (const [index, {id}] of recipients.entries()) {
        const outcome = outcomes[index];

        if (outcome?.status === 'rejected') {
          failed.set(id, outcome.reason);
        }
      }

      const sentIds = recipients.map(({id}) => id).filter((id) => !failed.has(id));

      await pool.transaction(async (connection) => {
        await connection.query(sql.type(z.object({}))`
          UPDATE ${table} SET email_sent_at = now()
          WHERE id = ANY(${sql.array(sentIds, 'int4')}) AND email_sent_at IS NULL
        `);

        // One statement for the batch (an execution the reaper ended meanwhile is skipped).
        await store.completeExecutions(instructions.filter((instruction) => !failed.has(instruction)).map((instruction) => ({instruction, taskName: TASK_NAME})), {connection});
      });

      for (const [instruction, error] of failed) {
        await store.failExecution({instruction, taskName: TASK_NAME}, error);
      }

      return {done: sentIds.length, errors: [...failed.values()]};
    },
  };
};
