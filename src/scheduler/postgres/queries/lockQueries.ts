/** The advisory locks that let one instance at a time plan slots, and one at a time claim jobs. */
import {type CommonQueryMethods, sql} from 'slonik';
import type {SchedulerTables} from '../createSchedulerTables.ts';
import {empty} from './rows.ts';

/** The first keys of the advisory locks that serialize materialization ('schm') and claims ('schc'); the second is hashtext(schema). */
const MATERIALIZE_LOCK_KEY = 0x73_63_68_6d;
const CLAIM_LOCK_KEY = 0x73_63_68_63;

/**
 * Takes an advisory lock held until the transaction ends. With a `lockTimeout` (milliseconds), the
 * transaction's lock waits end there (SQLSTATE 55P03): a claim queued behind an instance cut off
 * mid-transaction then gives its connection back instead of waiting on the server long after the
 * store's `queryTimeout` gave up on it. Set first (a MATERIALIZED CTE runs before the lock).
 */
const lockForTransaction = async (connection: CommonQueryMethods, key: number, tables: SchedulerTables, lockTimeout: number | null): Promise<void> => {
  await connection.query(sql.type(empty)`
    WITH timeout AS MATERIALIZED (
      SELECT set_config('lock_timeout', ${lockTimeout === null ? '0' : `${Math.ceil(lockTimeout)}ms`}, true)
    )
    SELECT pg_advisory_xact_lock(${key}, hashtext(${tables.schema})) FROM timeout
  `);
};

/** Waits for the store's materialization lock, held until the transaction ends: one instance plans slots at a time. */
export const lockMaterialization = async (connection: CommonQueryMethods, tables: SchedulerTables, lockTimeout: number | null): Promise<void> => {
  await lockForTransaction(connection, MATERIALIZE_LOCK_KEY, tables, lockTimeout);
};

/** Waits for the store's claim lock, held until the transaction ends: running jobs are counted by one claimer at a time. */
export const lockClaims = async (connection: CommonQueryMethods, tables: SchedulerTables, lockTimeout: number | null): Promise<void> => {
  await lockForTransaction(connection, CLAIM_LOCK_KEY, tables, lockTimeout);
};
