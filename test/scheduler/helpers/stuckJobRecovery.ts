/**
 * The crash recovery test's two halves, the same on every store: a child process (stuckJobWorker.ts)
 * starts a cron job and a one-shot job that never end and is killed (SIGKILL); then an instance in
 * this process finds them after their timeout plus leaseGrace, fails them with job_timed_out and
 * runs their tasks again.
 */
import {once} from 'node:events';
import {fileURLToPath} from 'node:url';
import type {ExecutionContext} from 'ava';
import {createScheduler, type SchedulerStore} from '../../../src/scheduler/index.ts';
import {spawnFixture} from '../../helpers/spawnFixture.ts';
import {until} from '../../helpers/until.ts';
import {withDeadline} from '../../helpers/withDeadline.ts';
import type {StuckJobWorkerMessage} from '../fixtures/stuckJobWorker.ts';
import {recordSchedulerEvents} from './createHarness.ts';

const WORKER = fileURLToPath(new URL('../fixtures/stuckJobWorker.ts', import.meta.url));

/** The tasks' `timeout` and the recovering instance's `leaseGrace` (milliseconds): small, so that the test is quick. */
export const TIMEOUT = 3_000;
export const LEASE_GRACE = 500;

export type StuckJobs = {
  /** The cron task's (`every-second`) job the dead process held. */
  readonly cron: number;
  /** `:<pid>:`, which the dead process's worker names contain. */
  readonly heldByChild: string;
  /** Each held job's `leaseUntil`. */
  readonly leases: ReadonlyMap<number, number>;
  /** The one-shot task's job the dead process held. */
  readonly oneShot: number;
};

/**
 * Spawns stuckJobWorker.ts with `environment` (its store's settings; TIMEOUT added), waits until both
 * its jobs started, kills it (SIGKILL) and checks that `store` shows them RUNNING, held by it.
 */
export const killStuckJobWorker = async (t: ExecutionContext, store: SchedulerStore, environment: Readonly<Record<string, string>>): Promise<StuckJobs> => {
  const {child} = spawnFixture<StuckJobWorkerMessage>(WORKER, {...environment, TIMEOUT: String(TIMEOUT)});
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

  return {cron, heldByChild, leases, oneShot};
};

/**
 * Starts an instance on `store` that processes both tasks (`onRun` sees each job it runs), waits
 * until it ran the one-shot and a cron job, and checks that both stuck jobs timed out with
 * job_timed_out, not before their lease plus leaseGrace, and that no job is left to the dead
 * process. Resolves the instance (terminated after the test) and its events.
 */
export const recoverStuckJobs = async (t: ExecutionContext, store: SchedulerStore, {cron, heldByChild, leases, oneShot}: StuckJobs, onRun: (run: {readonly attempt: number; readonly id: number; readonly taskName: string}) => void = () => undefined) => {
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
    scheduler.addProcessor(taskName, async ({attempt, id}) => {
      onRun({attempt, id, taskName});
    });
  }

  await until(() => events.succeeded.some(({job}) => job.id === oneShot) && events.succeeded.some(({job}) => job.taskName === 'every-second'), 60_000);

  // Both attempts timed out, found by this instance; not before their timeout plus leaseGrace.
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

  return {events, scheduler};
};
