/** The advisory locks that let one instance at a time plan slots, and one at a time claim jobs; the server-side bounds of a store transaction. */
import {type CommonQueryMethods, sql} from 'slonik';
import type {SchedulerTables} from '../createSchedulerTables.ts';
import {empty} from './rows.ts';

/** The first keys of the advisory locks that serialize materialization ('schm') and claims ('schc'); the second is hashtext(schema). */
const MATERIALIZE_LOCK_KEY = 0x73_63_68_6d;
const CLAIM_LOCK_KEY = 0x73_63_68_63;

/**
 * Bounds the rest of the transaction on the server, each setting local to it (milliseconds, `null`
 * for none): a statement that runs or waits for a lock (an advisory lock, a row another session
 * holds) longer than `timeout` is canceled there (SQLSTATE 57014 / 55P03), and the session of a
 * transaction whose client went silent that long (its network cut mid-transaction) is ended, which
 * rolls it back. Either way the connection is given back instead of being held long after the
 * store's `queryTimeout` gave up on the operation. With `null` (`queryTimeout: Infinity`) it sets
 * nothing, so the pool's own settings (slonik's `statementTimeout`, a role's defaults) stay in force.
 */
export const limitTransaction = async (connection: CommonQueryMethods, timeout: number | null): Promise<void> => {
  if (timeout === null) {
    return;
  }

  const value = `${Math.ceil(timeout)}ms`;

  await connection.query(sql.type(empty)`
    SELECT
      set_config('statement_timeout', ${value}, true),
      set_config('lock_timeout', ${value}, true),
      set_config('idle_in_transaction_session_timeout', ${value}, true)
  `);
};

/** Takes an advisory lock held until the transaction ends (its wait bounded by `limitTransaction`). */
const lockForTransaction = async (connection: CommonQueryMethods, key: number, tables: SchedulerTables): Promise<void> => {
  await connection.query(sql.type(empty)`SELECT pg_advisory_xact_lock(${key}, hashtext(${tables.schema}))`);
};

/** Waits for the store's materialization lock, held until the transaction ends: one instance plans slots at a time. */
export const lockMaterialization = async (connection: CommonQueryMethods, tables: SchedulerTables): Promise<void> => {
  await lockForTransaction(connection, MATERIALIZE_LOCK_KEY, tables);
};

/** Waits for the store's claim lock, held until the transaction ends: running jobs are counted by one claimer at a time. */
export const lockClaims = async (connection: CommonQueryMethods, tables: SchedulerTables): Promise<void> => {
  await lockForTransaction(connection, CLAIM_LOCK_KEY, tables);
};
