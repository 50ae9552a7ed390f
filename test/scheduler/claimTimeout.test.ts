/**
 * A claim that outlasts `queryTimeout` on the server (a wait for the claim lock, a slow UPDATE) rejects
 * with `server_unreachable`, and its own transaction rolls back when the server's answer comes: its
 * jobs are never RUNNING for the instance that gave up on them, and any instance claims them at once.
 * Only a claim whose COMMIT was already on its way at the timeout may apply: its jobs are given back
 * in a second transaction. Time is the server's (`pg_sleep` in another session and in triggers).
 */
import test from 'ava';
import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {createPostgresSchedulerStore, type SchedulerStore} from '../../src/scheduler/index.ts';
import {useFreshSchema} from '../helpers/postgres.ts';
import {until} from '../helpers/until.ts';
import {createWaitingJob} from './helpers/createWaitingJob.ts';
import {defineServerSchedulerTests} from './helpers/postgresStores.ts';

/** The store's `queryTimeout` in these tests (milliseconds); every statement stays below it on the server. */
const QUERY_TIMEOUT = 2_500;

/** The store's claim lock: its first key ('schc'), the second is hashtext(schema). */
const CLAIM_LOCK_KEY = 0x73_63_68_63;

const empty = z.object({});

/** A store in a fresh schema with one task whose job is due at `now`, WAITING for its second attempt (createWaitingJob). */
const createStoreWithDueJob = async (t: Parameters<typeof useFreshSchema>[0], pool: DatabasePool, now: number) => {
  const schema = useFreshSchema(t, pool);
  const store = await createPostgresSchedulerStore({pool, queryTimeout: QUERY_TIMEOUT, schema});

  return {...await createWaitingJob(store, now), schema, store};
};

/**
 * Claims by worker 'slow' sleep `seconds` in their UPDATE (`timing: 'UPDATE'`) or in their COMMIT
 * (`'COMMIT'`, a deferred constraint trigger); nothing else does (a give-back leaves RUNNING).
 */
const slowDownClaims = async (pool: DatabasePool, schema: string, timing: 'COMMIT' | 'UPDATE', seconds: number) => {
  const sleep = sql.identifier([schema, `sleep_${timing.toLowerCase()}`]);
  const table = sql.identifier([schema, 'scheduled_job']);
  const name = sql.identifier([`slow_${timing.toLowerCase()}`]);

  await pool.query(sql.type(empty)`
    CREATE FUNCTION ${sleep}() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN PERFORM pg_sleep(TG_ARGV[0]::float8); RETURN NEW; END'
  `);
  await pool.query(timing === 'UPDATE' ?
    sql.type(empty)`
      CREATE TRIGGER ${name} BEFORE UPDATE ON ${table}
      FOR EACH ROW WHEN (NEW.worker = 'slow' AND NEW.state = 'RUNNING') EXECUTE FUNCTION ${sleep}(${sql.literalValue(String(seconds))})
    ` :
    sql.type(empty)`
      CREATE CONSTRAINT TRIGGER ${name} AFTER UPDATE ON ${table} DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW WHEN (NEW.worker = 'slow' AND NEW.state = 'RUNNING') EXECUTE FUNCTION ${sleep}(${sql.literalValue(String(seconds))})
    `);
};

/** How many sessions hold or wait for the schema's claim lock (a claim's transaction holds it to its end). */
const countClaimLocks = async (pool: DatabasePool, schema: string) => await pool.oneFirst(sql.type(z.object({count: z.number()}))`
  SELECT count(*)::int4 FROM pg_locks
  WHERE locktype = 'advisory' AND classid = ${CLAIM_LOCK_KEY}::int8::oid AND objid = (hashtext(${schema})::int8 & 4294967295)::oid
`);

const claimAs = async (store: SchedulerStore, worker: string, now: number, taskNames: readonly string[]) => await store.claimJobs({claimUntil: now, limit: 10, now, taskNames, worker});

defineServerSchedulerTests('the claim timeout tests need PLANTON_TEST_DATABASE_URL', ({getPool}) => {

  test('postgres: a claim that outlasts queryTimeout on the server rolls back its own transaction; its job is never RUNNING for it and is claimable again at once', async (t) => {
    const pool = await getPool();
    const now = Date.now();
    const {id, schema, store, taskNames} = await createStoreWithDueJob(t, pool, now);

    // Another session holds the claim lock for 2 s, then the claim's UPDATE sleeps 2 s: 4 s in all,
    // past the 2.5 s timeout, while no statement of the claim reaches it on the server.
    await slowDownClaims(pool, schema, 'UPDATE', 2);

    const holder = pool.transaction(async (connection) => {
      await connection.query(sql.type(empty)`SELECT pg_advisory_xact_lock(${CLAIM_LOCK_KEY}, hashtext(${schema})), pg_sleep(2)`);
    });

    await until(async () => await countClaimLocks(pool, schema) === 1);

    const error = await t.throwsAsync(claimAs(store, 'slow', now, taskNames), {code: 'server_unreachable'});

    t.like(error?.cause, {code: 'STORE_TIMEOUT', operation: 'claimJobs', timeout: QUERY_TIMEOUT});
    await holder;
    // The claim's transaction ends (its UPDATE done, rolled back) once nothing holds the claim lock.
    await until(async () => await countClaimLocks(pool, schema) === 0, 30_000);

    t.like(await store.getJob(id), {attempt: 1, state: 'WAITING', worker: 'first'}, 'the timed-out claim never committed');
    t.like((await claimAs(store, 'other', now, taskNames))[0], {attempt: 2, id, state: 'RUNNING', worker: 'other'}, 'another instance claims it at once, long before its lease would end');
  });

  test('postgres: a claim whose COMMIT was on its way at its timeout applies, and its job is given back at once (the window left)', async (t) => {
    const pool = await getPool();
    const now = Date.now();
    const {id, schema, store, taskNames} = await createStoreWithDueJob(t, pool, now);

    // The UPDATE takes 1.5 s, the COMMIT 2 s: COMMIT is sent before the 2.5 s timeout and answered after it.
    await slowDownClaims(pool, schema, 'UPDATE', 1.5);
    await slowDownClaims(pool, schema, 'COMMIT', 2);

    const error = await t.throwsAsync(claimAs(store, 'slow', now, taskNames), {code: 'server_unreachable'});

    t.like(error?.cause, {code: 'STORE_TIMEOUT', operation: 'claimJobs'});
    // The COMMIT applied (the job names the claimer), then the job was given back.
    await until(async () => {
      const current = await store.getJob(id);

      return current?.worker === 'slow' && current.state === 'WAITING';
    }, 30_000);
    t.like(await store.getJob(id), {attempt: 1, state: 'WAITING', worker: 'slow'});
    t.like((await claimAs(store, 'other', now, taskNames))[0], {attempt: 2, id, state: 'RUNNING', worker: 'other'}, 'another instance claims it at once');
  });
});
