/**
 * A scheduler process on PostgreSQL killed (SIGKILL) while its jobs run: another instance recovers
 * the jobs after their lease (helpers/stuckJobRecovery.ts), and the cron's next slot and the
 * one-shot's retry run there.
 */
import test from 'ava';
import {createPostgresSchedulerStore} from '../../src/scheduler/index.ts';
import {useFreshSchema} from '../helpers/postgres.ts';
import {defineServerSchedulerTests} from './helpers/postgresStores.ts';
import {killStuckJobWorker, recoverStuckJobs} from './helpers/stuckJobRecovery.ts';

defineServerSchedulerTests('the crash recovery test needs PLANTON_TEST_DATABASE_URL', ({connectionUri, getPool}) => {
  test('postgres: jobs of a scheduler process killed (SIGKILL) while they run are found by another instance after their timeout plus leaseGrace, fail with job_timed_out, and their task runs again there: the one-shot retried, the cron at its next slot', async (t) => {
    const pool = await getPool();
    const schema = useFreshSchema(t, pool);
    const store = await createPostgresSchedulerStore({pool, schema});
    const stuck = await killStuckJobWorker(t, store, {DATABASE_URL: connectionUri, SCHEMA: schema});
    const {cron, oneShot} = stuck;
    const ran: Array<{readonly attempt: number; readonly id: number; readonly taskName: string}> = [];
    const {events, scheduler} = await recoverStuckJobs(t, store, stuck, (run) => {
      ran.push(run);
    });

    // The cron job is not retried (its next slot comes): it failed for good; its next slot ran here.
    t.is(events.failed.length, 1);
    t.like(events.failed[0], {error: {code: 'job_timed_out'}, job: {attempt: 1, id: cron, state: 'ERROR'}});
    t.like(await scheduler.getTask('every-second'), {lastFailure: {id: cron, status: 'failed'}, lastSuccess: {status: 'succeeded'}});
    t.true(events.succeeded.filter(({job}) => job.taskName === 'every-second').every(({job}) => job.id !== cron && job.scheduledFor > (events.failed[0]?.job.scheduledFor ?? 0)));

    // The one-shot gets its second attempt, here, which succeeds; its last failure stays on record.
    t.is(events.retry.length, 1);
    t.like(events.retry[0], {error: {code: 'job_timed_out'}, job: {attempt: 1, id: oneShot, state: 'WAITING'}});
    t.deepEqual(ran.filter(({taskName}) => taskName === 'one-shot'), [{attempt: 2, id: oneShot, taskName: 'one-shot'}]);
  });
});
