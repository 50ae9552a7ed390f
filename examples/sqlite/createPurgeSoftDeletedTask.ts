import type {DatabaseSync} from 'node:sqlite';
import type {SqliteClaim} from '../../src/adapters/sqlite/types.ts';
import {createPurgeTask} from '../shared/createPurgeTask.ts';
import type {ExampleTask} from '../shared/types.ts';
import {isPurgeEligible} from './userAccount.ts';

/** purge_soft_deleted (examples/shared/createPurgeTask.ts) in SQLite's SQL: one DELETE a batch. */
export const createPurgeSoftDeletedTask = ({database}: {readonly database: DatabaseSync}): ExampleTask<SqliteClaim<number>> => createPurgeTask<SqliteClaim<number>>({
  claim: ({isActiveInstruction, limit, query}) => query(`
    SELECT u.id
    FROM user_account u
    WHERE ${isPurgeEligible('u')} AND NOT ${isActiveInstruction('u.id')}
    ORDER BY u.deleted_at
    LIMIT ?
  `, limit).map((row) => Number(row.id)),
  deleteEligible: (ids) => database.prepare(`
    DELETE FROM user_account AS u
    WHERE u.id IN (SELECT value FROM json_each(?)) AND ${isPurgeEligible('u')}
    RETURNING id
  `).all(JSON.stringify(ids)).length,
});
