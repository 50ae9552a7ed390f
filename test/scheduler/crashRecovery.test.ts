import {once} from 'node:events';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {createPostgresSchedulerStore, createScheduler} from '../../src/scheduler/index.ts';
import {useFreshSchema} from '../helpers/postgres.ts';
import {spawnFixture} from '../helpers/spawnFixture.ts';
import {until} from '../helpers/until.ts';
import {withDeadline} from '../helpers/withDeadline.ts';
import type {StuckJobWorkerMessage} from './fixtures/stuckJobWorker.ts';
import {recordSchedulerEvents} from './helpers/createHarness.ts';
import {defineServerSchedulerTests} from './helpers/postgresStores.ts';

const WORKER = fileURLToPath(new URL('fixtures/stuckJobWorker.ts', import.meta.url));

/** The tasks' `timeout` and the recovering instance's `leaseGrace` (milliseconds): small, so that the test is quick. */
const TIMEOUT = 3_000;
const LEASE_GRACE = 500;

defineServerSchedulerTests('the crash recovery test needs PLANTON_TEST_DATABASE_URL', ({connectionUri, getPool}) => {

  test('postgres: jobs of a scheduler process killed (SIGKILL) while they run are found by another instance after their timeout plus leaseGrace, fail with job_timed_out, and their task runs again there: the one-shot retried, the cron at its next slot', async (t) => {
    const pool = await getPool();
    const schema = useFreshSchema(t, pool);

    const store = await createPostgresSchedulerStore({pool, schema});
    const {child} = spawnFixture<StuckJobWorkerMessage>(WORKER, {DATABASE_URL: connectionUri, SCHEMA: schema, TIMEOUT: String(TIMEOUT)});
    const exited = once(child, 'exit');

    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
    });

    // The latest job of each task that started in the child: on a slow machine the child may time out
    // its first cron job itself before the one-shot starts, and then starts the next slot's.
    const stuck = new Map<string, StuckJobWorkerMessage>();

    await withDeadline(Promise.race([
      new Promise<void>((resolve) => {
        child.on('message', (message: StuckJobWorkerMessage) => {
          stuck.set(message.taskName, message);

          if (stuck.size === 2) {
            resolve();
          }
        });
      }),
      exited.then(() => {
        throw new Error('The child exited before its jobs started.');
      }),
    ]), 'both jobs to start in the child');

    child.kill('SIGKILL');
    await exited;

    const cron = stuck.get('every-second')?.jobId ?? 0;
    const oneShot = stuck.get('one-shot')?.jobId ?? 0;
    const heldByChild = `:${String(child.pid)}:`;
    const leases = new Map<number, number>();

    for (const id of [cron, oneShot]) {
      const job = await store.getJob(id);

      t.like(job, {attempt: 1, state: 'RUNNING'}, 'the dead process holds the job');
      t.true(job?.worker?.includes(heldByChild), job?.worker ?? 'no worker');
      leases.set(id, job?.leaseUntil ?? Number.POSITIVE_INFINITY);
    }

    const scheduler = await createScheduler({leaseGrace: LEASE_GRACE, pollInterval: 500, store, terminateTimeout: 0});
    const events = recordSchedulerEvents(scheduler);
    const ran: Array<{readonly attempt: number; readonly id: number; readonly taskName: string}> = [];
    const timedOutAt = new Map<number, number>();

    scheduler.events.on('timeout', ({job}) => {
      timedOutAt.set(job.id, Date.now());
    });

    t.teardown(async () => {
      await scheduler.terminate();
    });

    for (const taskName of ['every-second', 'one-shot']) {
      scheduler.addProcessor(taskName, async ({attempt, id}) => {
        ran.push({attempt, id, taskName});
      });
    }

    await until(() => events.succeeded.some(({job}) => job.id === oneShot) && events.succeeded.some(({job}) => job.taskName === 'every-second'), 60_000);

    // Both attempts timed out, found by this instance; not before their timeout plus leaseGrace.
    t.deepEqual(events.timeout.map(({job}) => job.id).sort(), [cron, oneShot].sort());

    for (const {error, job} of events.timeout) {
      const lease = leases.get(job.id) ?? Number.POSITIVE_INFINITY;

      t.like(error, {code: 'job_timed_out', jobId: job.id, timeout: TIMEOUT});
      t.true((timedOutAt.get(job.id) ?? 0) >= lease + LEASE_GRACE, `job ${job.id}: lease until ${lease}, timed out at ${String(timedOutAt.get(job.id))}`);
    }

    // The cron job is not retried (its next slot comes): it failed for good; its next slot ran here.
    t.is(events.failed.length, 1);
    t.like(events.failed[0], {error: {code: 'job_timed_out'}, job: {attempt: 1, id: cron, state: 'ERROR'}});
    t.like(await store.getJob(cron), {attempt: 1, error: {code: 'job_timed_out'}, state: 'ERROR'});
    t.like(await scheduler.getTask('every-second'), {lastFailure: {id: cron, status: 'failed'}, lastSuccess: {status: 'succeeded'}});
    t.true(events.succeeded.filter(({job}) => job.taskName === 'every-second').every(({job}) => job.id !== cron && job.scheduledFor > (events.failed[0]?.job.scheduledFor ?? 0)));

    // The one-shot gets its second attempt, here, which succeeds; its last failure stays on record.
    t.is(events.retry.length, 1);
    t.like(events.retry[0], {error: {code: 'job_timed_out'}, job: {attempt: 1, id: oneShot, state: 'WAITING'}});
    t.like(await store.getJob(oneShot), {attempt: 2, error: {code: 'job_timed_out'}, state: 'DONE'});
    t.true((await store.getJob(oneShot))?.worker?.includes(`:${String(process.pid)}:`));
    t.deepEqual(ran.filter(({taskName}) => taskName === 'one-shot'), [{attempt: 2, id: oneShot, taskName: 'one-shot'}]);

    const jobs = [...await store.listJobs({limit: 500, taskName: 'every-second'}), ...await store.listJobs({limit: 500, taskName: 'one-shot'})];

    t.deepEqual(jobs.filter((job) => job.state === 'RUNNING' && job.worker?.includes(heldByChild)), [], 'no job is left to the dead process');
    t.deepEqual(events.error, []);
  });
});
