import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import type {PostgresClaim} from '../../src/adapters/postgres/types.ts';
import {createEmailTask} from '../shared/createEmailTask.ts';
import type {EmailSender} from '../shared/createFakeEmailSender.ts';
import type {ExampleTask} from '../shared/types.ts';
import {getUserAccountTable, isEmailDue} from './userAccount.ts';

const recipient = z.object({email: z.string(), id: z.number()});

/** send_user_email (examples/shared/createEmailTask.ts) in PostgreSQL's SQL. */
export const createSendUserEmailTask = ({pool, schema, sender}: {
  readonly pool: DatabasePool;
  readonly schema: string;
  readonly sender: EmailSender;
}): ExampleTask<PostgresClaim<number>> => {
  const table = getUserAccountTable(schema);

  return createEmailTask<PostgresClaim<number>>({
    claim: ({isActiveInstruction, limit}) => sql.type(z.object({id: z.number()}))`
      SELECT u.id
      FROM ${table} u
      WHERE ${isEmailDue('u')} AND NOT ${isActiveInstruction(sql.fragment`u.id`)}
      ORDER BY u.email_due_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    `,
    markSent: async (ids) => {
      await pool.query(sql.type(z.object({}))`
        UPDATE ${table} SET email_sent_at = now()
        WHERE id = ANY(${sql.array(ids, 'int4')}) AND email_sent_at IS NULL
      `);
    },
    selectDue: async (ids) => await pool.any(sql.type(recipient)`
      SELECT u.id, u.email
      FROM ${table} u
      WHERE u.id = ANY(${sql.array(ids, 'int4')}) AND ${isEmailDue('u')}
    `),
    sender,
  });
};
