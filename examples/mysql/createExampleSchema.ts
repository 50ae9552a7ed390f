import type {Pool} from 'mysql2/promise';
import {getUserAccountTable} from './userAccount.ts';

/**
 * Drops `database` (everything the example made in an earlier run, Planton's tables included) and
 * creates it again with the example's `user_account` table. Planton's own tables are added to the
 * same database by createMysqlStore.
 */
export const createExampleSchema = async (pool: Pool, database: string): Promise<void> => {
  await pool.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await pool.query(`CREATE DATABASE \`${database}\``);
  await pool.query(`
    CREATE TABLE ${getUserAccountTable(database)} (
      id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
      email VARCHAR(255) NOT NULL UNIQUE,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      -- Soft delete: the account is gone for the application, the row stays for the retention period.
      deleted_at DATETIME(3) NULL,
      -- When the account's next email should go out, and when it did.
      email_due_at DATETIME(3) NULL,
      email_sent_at DATETIME(3) NULL,
      -- What the claims scan: soft-deleted rows by age, unsent emails by due date.
      KEY user_account_deleted_at_key (deleted_at),
      KEY user_account_email_due_at_key (email_sent_at, email_due_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  `);
};
