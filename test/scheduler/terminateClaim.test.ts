/**
 * `terminate()` while the dispatcher's claim is in flight: it waits for the claim up to
 * `terminateTimeout` (past the engine's own 5 s wait for a round) and gives back what it claimed,
 * or gives the claim up (the store rolls it back), before it resolves. Either way the slot's job is
 * claimable at once after `terminate()` and `pool.end()`: another instance runs it long before the
 * lease it would otherwise wait for (the manual clocks never reach it).
 */
import {randomInt} from 'node:crypto';
import test, {type ExecutionContext} from 'ava';
import {createPool, type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {createPostgresSchedulerStore, createScheduler, type Job, type Scheduler} from '../../src/scheduler/index.ts';
import {createManualClock, flush} from '../helpers/createManualClock.ts';
import {useFreshSchema} from '../helpers/postgres.ts';
import {until} from '../helpers/until.ts';
import {recordSchedulerEvents} from './helpers/createHarness.ts';
import {holdInAnotherSession} from './helpers/holdInAnotherSession.ts';
import {defineServerSchedulerTests} from './helpers/postgresStores.ts';

const MINUTE = 60_000;
const START = Date.parse('2026-01-01T00:00:00.000Z');

/** How long the engine waited for a round at terminate before it abandoned it (and the claim in it, which then landed after terminate). */
const ENGINE_ROUND_WAIT = 5_000;

/** The store's claim lock: its first key ('schc'), the second is hashtext(schema). */
const CLAIM_LOCK_KEY = 0x73_63_68_63;

const empty = z.object({});
const count = z.object({count: z.number()});

/** Instance A on a pool of its own (ended by the test), and the schema it shares with instance B. */
const createInstanceA = async (t: ExecutionContext, connectionUri: string, direct: DatabasePool, terminateTimeout: number) => {
  const schema = useFreshSchema(t, direct);
  const pool = await createPool(connectionUri);

  // Teardowns run last registered first: the pool ends before the schema is dropped.
  t.teardown(async () => {
    await pool.end();
  });

  const clock = createManualClock(START);
  const scheduler = await createScheduler({clock, store: await createPostgresSchedulerStore({pool, schema}), syncInterval: 0, terminateTimeout});
  const events = recordSchedulerEvents(scheduler);
  const ran: number[] = [];

  t.teardown(async () => {
    await scheduler.terminate();
  });

  await scheduler.schedule({name: 'report', schedule: '* * * * *', timeout: MINUTE});
  scheduler.addProcessor('report', (job) => {
    ran.push(job.id);
  });

  return {clock, events, pool, ran, scheduler, schema};
};

/** Instance B at the 00:01 slot on its own clock, which stays there: no lease ends while it runs. */
const runInstanceB = async (t: ExecutionContext, direct: DatabasePool, schema: string): Promise<{readonly jobs: readonly Job[]; readonly scheduler: Scheduler}> => {
  const scheduler = await createScheduler({
    clock: createManualClock(START + MINUTE),
    store: await createPostgresSchedulerStore({migrate: false, pool: direct, schema}),
    syncInterval: 0,
    terminateTimeout: 0,
  });
  const jobs: Job[] = [];

  t.teardown(async () => {
    await scheduler.terminate();
  });
  scheduler.addProcessor('report', (job) => {
    jobs.push(job);
  });
  await until(() => jobs.length === 1, 30_000);

  return {jobs, scheduler};
};

defineServerSchedulerTests('the terminate-while-claiming tests need PLANTON_TEST_DATABASE_URL', ({connectionUri, getPool}) => {

  test('postgres: terminate waits for a claim whose COMMIT is slow (5 s and more, within terminateTimeout) and gives its job back: after pool.end() the slot runs in another instance at once', async (t) => {
    const direct = await getPool();
    const a = await createInstanceA(t, connectionUri, direct, 10_000);
    const key = randomInt(1, 2 ** 31);

    // A claim's COMMIT waits (a deferred trigger) for an advisory lock the test holds.
    await direct.query(sql.type(empty)`
      CREATE FUNCTION ${sql.identifier([a.schema, 'wait_at_commit'])}() RETURNS trigger LANGUAGE plpgsql
      AS 'BEGIN PERFORM pg_advisory_xact_lock(TG_ARGV[0]::int8); RETURN NEW; END'
    `);
    await direct.query(sql.type(empty)`
      CREATE CONSTRAINT TRIGGER wait_at_commit AFTER UPDATE ON ${sql.identifier([a.schema, 'scheduled_job'])} DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW WHEN (NEW.state = 'RUNNING') EXECUTE FUNCTION ${sql.identifier([a.schema, 'wait_at_commit'])}(${sql.literalValue(String(key))})
    `);

    const holder = holdInAnotherSession(direct, sql.type(empty)`SELECT pg_advisory_xact_lock(${key})`);

    await holder.held;

    const {release} = holder;

    t.teardown(release);

    // A claims the 00:01 slot's job 400 ms ahead; its COMMIT waits.
    await a.clock.advance(MINUTE);
    await until(async () => await direct.oneFirst(sql.type(count)`
      SELECT count(*)::int4 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1 AND classid = 0 AND objid = ${key}::int8::oid
    `) === 1, 30_000);

    let terminated = false;
    const terminating = a.scheduler.terminate().then(() => {
      terminated = true;
    });

    await a.clock.advance(ENGINE_ROUND_WAIT);
    await flush(20);
    t.false(terminated, 'terminate waits for the claim in flight, within its terminateTimeout');

    await release();
    await terminating;
    await a.pool.end();

    t.deepEqual(a.ran, [], 'A never started the job');
    t.deepEqual(a.events.error.map(({error}) => String(error)), []);

    const b = await runInstanceB(t, direct, a.schema);

    t.like(b.jobs[0], {attempt: 1, scheduledFor: new Date(START + MINUTE), taskName: 'report'});
  });

  test('postgres: terminate gives up a claim still in flight at terminateTimeout (it waits for the claim lock); the store rolls it back, and after pool.end() the slot runs in another instance at once', async (t) => {
    const direct = await getPool();
    const a = await createInstanceA(t, connectionUri, direct, 1_000);
    // Another session holds the claim lock: A's claim waits for it on the server.
    const holder = holdInAnotherSession(direct, sql.type(empty)`SELECT pg_advisory_xact_lock(${CLAIM_LOCK_KEY}, hashtext(${a.schema}))`);

    await holder.held;

    const {release} = holder;

    t.teardown(release);

    await a.clock.advance(MINUTE);
    await until(async () => await direct.oneFirst(sql.type(count)`
      SELECT count(*)::int4 FROM pg_locks
      WHERE locktype = 'advisory' AND NOT granted AND classid = ${CLAIM_LOCK_KEY}::int8::oid AND objid = (hashtext(${a.schema})::int8 & 4294967295)::oid
    `) === 1, 30_000);

    const terminating = a.scheduler.terminate();

    await a.clock.advance(1_000);
    await terminating;

    // slonik's pool.end() waits (up to 5 s) for the claim's statement, then closes its connection.
    const ending = a.pool.end();

    await release();
    await ending;

    t.deepEqual(a.ran, []);
    t.deepEqual(a.events.error.map(({error}) => String(error)), []);

    const b = await runInstanceB(t, direct, a.schema);

    t.like(b.jobs[0], {attempt: 1, scheduledFor: new Date(START + MINUTE), taskName: 'report'});
  });
});
