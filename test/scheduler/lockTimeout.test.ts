/**
 * A claim queued behind another session's claim lock (an instance cut off mid-transaction holds it)
 * gives its connection back once `queryTimeout` passed: the lock wait ends on the server too
 * (lock_timeout), instead of waiting there long after the store gave up on it.
 */
import test from 'ava';
import {sql} from 'slonik';
import {z} from 'zod';
import {createPostgresSchedulerStore, parseSchedule} from '../../src/scheduler/index.ts';
import {useFreshSchema} from '../helpers/postgres.ts';
import {until} from '../helpers/until.ts';
import {holdInAnotherSession} from './helpers/holdInAnotherSession.ts';
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
    // Another session takes the claim lock and keeps it, as an instance cut off mid-claim would.
    const holder = holdInAnotherSession(pool, sql.type(z.object({}))`SELECT pg_advisory_xact_lock(${CLAIM_LOCK_KEY}, hashtext(${schema}))`);

    try {
      await holder.held;

      const error = await t.throwsAsync(store.claimJobs({claimUntil: Date.now(), limit: 10, now: Date.now(), taskNames: ['any'], worker: 'test'}));

      t.true(['server_unreachable', '55P03'].includes(String((error as {code?: unknown} | undefined)?.code)) || /lock timeout/u.test(String(error?.message)), String(error?.message));
      // Whichever answered first (the store's timer or the server), nothing waits for the lock now.
      await until(async () => await waiting() === 0, 5_000);
      t.is(await waiting(), 0);
    } finally {
      await holder.release();
    }
  });
});

defineServerSchedulerTests('the statement timeout test needs PLANTON_TEST_DATABASE_URL', ({getPool}) => {

  test('postgres: a store statement blocked by another session\'s row lock past queryTimeout fails, is canceled on the server, and its connection serves again', async (t) => {
    const pool = await getPool();
    const schema = useFreshSchema(t, pool);
    const store = await createPostgresSchedulerStore({pool, queryTimeout: 1_000, schema});
    const now = Date.now();

    await store.saveTask({
      now,
      task: {concurrency: 1, misfire: 'once', name: 'report', payload: null, retry: {attempts: 1, backoff: null}, schedule: parseSchedule({schedule: '1h'}), timeout: 60_000},
    });

    const blocked = async () => await pool.oneFirst(sql.type(z.object({count: z.number()}))`
      SELECT count(*)::int4 FROM pg_stat_activity
      WHERE wait_event_type = 'Lock' AND query LIKE ${`%${schema}%`}
    `);
    // Another session locks the task's row (no advisory lock) and keeps it.
    const holder = holdInAnotherSession(pool, sql.type(z.object({}))`SELECT 1 FROM ${sql.identifier([schema, 'scheduled_task'])} WHERE name = 'report' FOR UPDATE`);

    try {
      await holder.held;

      const error = await t.throwsAsync(store.deleteTask({name: 'report', now}));

      t.true(['server_unreachable', '55P03', '57014'].includes(String((error as {code?: unknown} | undefined)?.code)), String(error?.message));
      // Whichever answered first (the store's timer or the server), no statement of the store waits on the server now.
      await until(async () => await blocked() === 0, 5_000);
      t.is(await blocked(), 0);
    } finally {
      await holder.release();
    }

    t.like(await store.getTask('report'), {name: 'report'}, 'the pool serves the store again');
  });
});
