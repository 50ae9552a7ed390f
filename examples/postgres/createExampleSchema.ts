import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {getUserAccountTable} from './userAccount.ts';

const empty = z.object({});

/**
 * Drops `schema` (everything the example made in an earlier run, Planton's tables included) and
 * creates it again with the example's `user_account` table. Planton's own tables are added to the
 * same schema by createPostgresStore.
 */
export const createExampleSchema = async (pool: DatabasePool, schema: string): Promise<void> => {
  const table = getUserAccountTable(schema);

  await pool.transaction(async (connection) => {
    await connection.query(sql.type(empty)`DROP SCHEMA IF EXISTS ${sql.identifier([schema])} CASCADE`);
    await connection.query(sql.type(empty)`CREATE SCHEMA ${sql.identifier([schema])}`);
    await connection.query(sql.type(empty)`
      CREATE TABLE ${table} (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        email text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        -- Soft delete: the account is gone for the application, the row stays for the retention period.
        deleted_at timestamptz,
        -- When the account's next email should go out, and when it did.
        email_due_at timestamptz,
        email_sent_at timestamptz,
        CONSTRAINT user_account_email_key UNIQUE (email)
      )
    `);
    // What the claims scan: soft-deleted rows by age, unsent emails by due date.
    await connection.query(sql.type(empty)`
      CREATE INDEX user_account_deleted_at_idx ON ${table} (deleted_at) WHERE deleted_at IS NOT NULL
    `);
    await connection.query(sql.type(empty)`
      CREATE INDEX user_account_email_due_at_idx ON ${table} (email_due_at) WHERE email_sent_at IS NULL
    `);
  });
};
