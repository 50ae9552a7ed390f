/**
 * A scheduler process on a SQLite file killed (SIGKILL) while its jobs run: the file stays usable
 * (SQLite releases a dead process's locks, and the WAL replays what it committed), and another
 * instance recovers the jobs after their lease.
 */
import {once} from 'node:events';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {createScheduler, createSqliteSchedulerStore} from '../../src/scheduler/index.ts';
import {spawnFixture} from '../helpers/spawnFixture.ts';
import {until} from '../helpers/until.ts';
import {withDeadline} from '../helpers/withDeadline.ts';
import type {StuckJobWorkerMessage} from './fixtures/stuckJobWorker.ts';
import {recordSchedulerEvents} from './helpers/createHarness.ts';
import {createSqliteDirectory} from './helpers/sqliteStores.ts';

const WORKER = fileURLToPath(new URL('fixtures/stuckJobWorker.ts', import.meta.url));

/** The tasks' `timeout` and the recovering instance's `leaseGrace` (milliseconds): small, so that the test is quick. */
const TIMEOUT = 3_000;
const LEASE_GRACE = 500;

test('sqlite: jobs of a scheduler process killed (SIGKILL) while they run are found by another process\'s instance after their timeout plus leaseGrace, fail with job_timed_out, and run again there', async (t) => {
  t.timeout(180_000);

  const {filename, remove} = await createSqliteDirectory();
  const store = await createSqliteSchedulerStore({filename});

  t.teardown(async () => {
    await store.close();
    await remove();
  });

  const {child} = spawnFixture<StuckJobWorkerMessage>(WORKER, {FILENAME: filename, TIMEOUT: String(TIMEOUT)});
  const exited = once(child, 'exit');

  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  });

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
  const timedOutAt = new Map<number, number>();

  scheduler.events.on('timeout', ({job}) => {
    timedOutAt.set(job.id, Date.now());
  });

  t.teardown(async () => {
    await scheduler.terminate();
  });

  for (const taskName of ['every-second', 'one-shot']) {
    scheduler.addProcessor(taskName, async () => undefined);
  }

  await until(() => events.succeeded.some(({job}) => job.id === oneShot) && events.succeeded.some(({job}) => job.taskName === 'every-second'), 60_000);

  t.deepEqual(events.timeout.map(({job}) => job.id).toSorted(), [cron, oneShot].toSorted());

  for (const {error, job} of events.timeout) {
    const lease = leases.get(job.id) ?? Number.POSITIVE_INFINITY;

    t.like(error, {code: 'job_timed_out', jobId: job.id, timeout: TIMEOUT});
    t.true((timedOutAt.get(job.id) ?? 0) >= lease + LEASE_GRACE, `job ${job.id}: lease until ${lease}, timed out at ${String(timedOutAt.get(job.id))}`);
  }

  t.like(await store.getJob(cron), {attempt: 1, error: {code: 'job_timed_out'}, state: 'ERROR'});
  t.like(await store.getJob(oneShot), {attempt: 2, error: {code: 'job_timed_out'}, state: 'DONE'});
  t.true((await store.getJob(oneShot))?.worker?.includes(`:${String(process.pid)}:`));

  const jobs = [...await store.listJobs({limit: 500, taskName: 'every-second'}), ...await store.listJobs({limit: 500, taskName: 'one-shot'})];

  t.deepEqual(jobs.filter((job) => job.state === 'RUNNING' && job.worker?.includes(heldByChild)), [], 'no job is left to the dead process');
  t.deepEqual(events.error, []);
});
