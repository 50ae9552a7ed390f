import {mkdirSync, rmSync} from 'node:fs';
import path from 'node:path';
import {DatabaseSync} from 'node:sqlite';

/**
 * Deletes the example's database file (with its WAL files: everything an earlier run made,
 * Planton's tables included), creates it again with the example's `user_account` table, and
 * returns the example's own connection to it. Planton's tables are added to the same file by
 * createSqliteStore.
 */
export const createExampleDatabase = (filename: string): DatabaseSync => {
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    rmSync(`${filename}${suffix}`, {force: true});
  }

  mkdirSync(path.dirname(path.resolve(filename)), {recursive: true});

  const database = new DatabaseSync(filename, {timeout: 5_000});

  database.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    CREATE TABLE user_account (
      id integer PRIMARY KEY,
      email text NOT NULL UNIQUE,
      created_at integer NOT NULL,
      -- Soft delete: the account is gone for the application, the row stays for the retention period.
      deleted_at integer,
      -- When the account's next email should go out, and when it did (ms since the epoch).
      email_due_at integer,
      email_sent_at integer
    ) STRICT;
    -- What the claims scan: soft-deleted rows by age, unsent emails by due date.
    CREATE INDEX user_account_deleted_at_idx ON user_account (deleted_at) WHERE deleted_at IS NOT NULL;
    CREATE INDEX user_account_email_due_at_idx ON user_account (email_due_at) WHERE email_sent_at IS NULL;
  `);

  return database;
};
