/** The locks that let one instance at a time plan slots, and one at a time claim jobs. */
import type {MysqlSchedulerTables} from '../createMysqlSchedulerTables.ts';
import {type Queryable, selectRows} from './rows.ts';

/**
 * Locks the row `name` of the lock table until the transaction ends (its wait bounded by the
 * session's `innodb_lock_wait_timeout`). A row lock rather than GET_LOCK: it is released by COMMIT
 * and ROLLBACK, and by the server when the session dies, never left behind on a pooled connection.
 */
const lockRow = async (connection: Queryable, tables: MysqlSchedulerTables, name: 'claim' | 'materialize'): Promise<void> => {
  const [found] = await selectRows(connection, `SELECT name FROM ${tables.lock} WHERE name = ? FOR UPDATE`, [name]);

  if (found === undefined) {
    throw new Error(`The scheduler's lock row \`${name}\` is missing from ${tables.lock}: were its migrations applied?`);
  }
};

/** Waits for the store's materialization lock, held until the transaction ends: one instance plans slots at a time. */
export const lockMaterialization = async (connection: Queryable, tables: MysqlSchedulerTables): Promise<void> => {
  await lockRow(connection, tables, 'materialize');
};

/** Waits for the store's claim lock, held until the transaction ends: running jobs are counted by one claimer at a time. */
export const lockClaims = async (connection: Queryable, tables: MysqlSchedulerTables): Promise<void> => {
  await lockRow(connection, tables, 'claim');
};
