import type {Pool, RowDataPacket} from 'mysql2/promise';
import type {MysqlClaim} from '../../src/adapters/mysql/types.ts';
import {createEmailTask} from '../shared/createEmailTask.ts';
import type {EmailSender} from '../shared/createFakeEmailSender.ts';
import type {ExampleTask} from '../shared/types.ts';
import {getUserAccountTable, isEmailDue} from './userAccount.ts';

/** send_user_email (examples/shared/createEmailTask.ts) in MySQL's SQL. */
export const createSendUserEmailTask = ({database, pool, sender}: {
  readonly database: string;
  readonly pool: Pool;
  readonly sender: EmailSender;
}): ExampleTask<MysqlClaim<number>> => {
  const table = getUserAccountTable(database);

  return createEmailTask<MysqlClaim<number>>({
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
    markSent: async (ids) => {
      await pool.query(`UPDATE ${table} SET email_sent_at = NOW(3) WHERE id IN (?) AND email_sent_at IS NULL`, [[...ids]]);
    },
    selectDue: async (ids) => {
      const [rows] = await pool.query<RowDataPacket[]>(`SELECT u.id, u.email FROM ${table} u WHERE u.id IN (?) AND ${isEmailDue('u')}`, [[...ids]]);

      return rows.map((row) => ({email: String(row.email), id: Number(row.id)}));
    },
    sender,
  });
};
