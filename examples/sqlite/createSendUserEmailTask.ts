import type {DatabaseSync} from 'node:sqlite';
import type {SqliteClaim} from '../../src/adapters/sqlite/types.ts';
import {createEmailTask} from '../shared/createEmailTask.ts';
import type {EmailSender} from '../shared/createFakeEmailSender.ts';
import type {ExampleTask} from '../shared/types.ts';
import {isEmailDue, NOW} from './userAccount.ts';

/** send_user_email (examples/shared/createEmailTask.ts) in SQLite's SQL. */
export const createSendUserEmailTask = ({database, sender}: {
  readonly database: DatabaseSync;
  readonly sender: EmailSender;
}): ExampleTask<SqliteClaim<number>> => createEmailTask<SqliteClaim<number>>({
  claim: ({isActiveInstruction, limit, query}) => query(`
    SELECT u.id
    FROM user_account u
    WHERE ${isEmailDue('u')} AND NOT ${isActiveInstruction('u.id')}
    ORDER BY u.email_due_at
    LIMIT ?
  `, limit).map((row) => Number(row.id)),
  markSent: (ids) => {
    database.prepare(`
      UPDATE user_account SET email_sent_at = ${NOW}
      WHERE id IN (SELECT value FROM json_each(?)) AND email_sent_at IS NULL
    `).run(JSON.stringify(ids));
  },
  selectDue: (ids) => database.prepare(`
    SELECT u.id, u.email FROM user_account u
    WHERE u.id IN (SELECT value FROM json_each(?)) AND ${isEmailDue('u')}
  `).all(JSON.stringify(ids)).map((row) => ({email: String(row.email), id: Number(row.id)})),
  sender,
});
