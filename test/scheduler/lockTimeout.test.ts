/**
 * A claim queued behind another session's claim lock (an instance cut off mid-transaction holds it)
 * gives its connection back once `queryTimeout` passed: the lock wait ends on the server too
 * (lock_timeout), instead of waiting there long after the store gave up on it.
 */
import test from 'ava';
import {sql} from 'slonik';
import {z} from 'zod';
import {createPostgresSchedulerStore} from '../../src/scheduler/index.ts';
import {useFreshSchema} from '../helpers/postgres.ts';
import {until} from '../helpers/until.ts';
import {defineServerSchedulerTests} from './helpers/postgresStores.ts';

/** The store's claim lock: its first key ('schc'), the second is hashtext(schema). */
const CLAIM_LOCK_KEY = 0x73_63_68_63;

defineServerSchedulerTests('the lock timeout test needs PLANTON_TEST_DATABASE_URL', ({getPool}) => {

  test('postgres: a claim waiting for the claim lock past queryTimeout fails, and its wait ends on the server too', async (t) => {
    const pool = await getPool();
    const schema = useFreshSchema(t, pool);

    const store = await createPostgresSchedulerStore({pool, queryTimeout: 1_000, schema});
    const waiting = async () => await pool.oneFirst(sql.type(z.object({count: z.number()}))`
      SELECT count(*)::int4 FROM pg_locks
      WHERE locktype = 'advisory' AND NOT granted AND classid = ${CLAIM_LOCK_KEY}::int8::oid AND objid = (hashtext(${schema})::int8 & 4294967295)::oid
    `);
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding!: () => void;
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    // Another session takes the claim lock and keeps it, as an instance cut off mid-claim would.
    const holder = pool.transaction(async (connection) => {
      await connection.query(sql.type(z.object({}))`SELECT pg_advisory_xact_lock(${CLAIM_LOCK_KEY}, hashtext(${schema}))`);
      holding();
      await released;
    });

    try {
      await held;

      const error = await t.throwsAsync(store.claimJobs({claimUntil: Date.now(), limit: 10, now: Date.now(), taskNames: ['any'], worker: 'test'}));

      t.true(['server_unreachable', '55P03'].includes(String((error as {code?: unknown} | undefined)?.code)) || /lock timeout/u.test(String(error?.message)), String(error?.message));
      // Whichever answered first (the store's timer or the server), nothing waits for the lock now.
      await until(async () => await waiting() === 0, 5_000);
      t.is(await waiting(), 0);
    } finally {
      release();
      await holder;
    }
  });
});
