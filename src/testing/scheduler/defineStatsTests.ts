/** Job statistics: summarizeJobs counts the ended jobs per task and bucket in the store. */
import type {SchedulerStore} from '../../scheduler/index.ts';
import type {DefineSchedulerStoreTestsConfiguration, KitTest} from '../types.ts';
import {createHarness, SCHEDULER_START} from './createHarness.ts';
import {FAR, MINUTE, rejects} from './helpers.ts';

const HOUR = 60 * MINUTE;
const T0 = SCHEDULER_START;
const FAR_AWAY = Date.parse(FAR);

const saveTask = async (store: SchedulerStore, name: string) => {
  await store.saveTask({now: T0 - HOUR, task: {concurrency: 1, misfire: 'once', name, payload: null, retry: {attempts: 1, backoff: null}, schedule: {date: new Date(FAR), kind: 'ONE_SHOT', repeat: null, timezone: 'UTC'}, timeout: HOUR}});
};

/** A job of `taskName` that starts at `startedAt` and ends at `endedAt` as `state` (DONE, ERROR, or WAITING for a retry). */
const runJob = async (store: SchedulerStore, {endedAt, startedAt, state, taskName}: {readonly endedAt: number; readonly startedAt: number; readonly state: 'DONE' | 'ERROR' | 'WAITING'; readonly taskName: string}) => {
  const created = await store.createJob({now: startedAt, runAt: startedAt, taskName});
  const [claimed] = await store.claimJobs({claimUntil: startedAt, limit: 1, now: startedAt, taskNames: [taskName], worker: 'stats'});

  if (created === null || claimed?.id !== created.id) {
    throw new Error(`Expected to claim job ${created?.id ?? 'none'} of ${taskName}.`);
  }

  const error = {message: 'failed'};
  const outcome = state === 'DONE' ? {result: null, state} as const : state === 'ERROR' ? {error, state} as const : {error, runAt: FAR_AWAY, state} as const;
  const [finished] = await store.finishJobs([{attempt: claimed.attempt, id: claimed.id, now: endedAt, outcome}]);

  if (finished?.endedAt !== (state === 'WAITING' ? null : endedAt)) {
    throw new Error(`Expected job ${claimed.id} to end at ${endedAt}.`);
  }

  return finished;
};

export const defineStatsTests = (test: KitTest, title: (text: string) => string, createStore: DefineSchedulerStoreTestsConfiguration['createStore']): void => {
  test(title('summarizeJobs counts the jobs that succeeded and failed per task and bucket, with their durations, from the ended jobs of the range alone'), async (t) => {
    const h = await createHarness(t, createStore);
    const {store} = h;

    await saveTask(store, 'alpha');
    await saveTask(store, 'beta');

    // Before the range: not counted.
    await runJob(store, {endedAt: T0 - 1, startedAt: T0 - 5_000, state: 'DONE', taskName: 'alpha'});
    // The first hour: 2 of 3 succeeded, lasting 1, 3 and 2 s.
    await runJob(store, {endedAt: T0 + 10 * MINUTE + 1_000, startedAt: T0 + 10 * MINUTE, state: 'DONE', taskName: 'alpha'});
    await runJob(store, {endedAt: T0 + 20 * MINUTE + 3_000, startedAt: T0 + 20 * MINUTE, state: 'DONE', taskName: 'alpha'});
    await runJob(store, {endedAt: T0 + 30 * MINUTE + 2_000, startedAt: T0 + 30 * MINUTE, state: 'ERROR', taskName: 'alpha'});
    // A failed attempt that will be retried has not ended: not counted.
    await runJob(store, {endedAt: T0 + 40 * MINUTE, startedAt: T0 + 35 * MINUTE, state: 'WAITING', taskName: 'alpha'});
    await store.cancelJob({id: (await store.listJobs({limit: 1, states: ['WAITING'], taskName: 'alpha'}))[0]?.id ?? 0, now: T0 + 41 * MINUTE});
    // Ending on the edge of the second hour: in the second.
    await runJob(store, {endedAt: T0 + HOUR, startedAt: T0 + HOUR - 1_000, state: 'DONE', taskName: 'alpha'});
    // Ending at `to`: not counted.
    await runJob(store, {endedAt: T0 + 3 * HOUR, startedAt: T0 + 3 * HOUR - 1_000, state: 'DONE', taskName: 'alpha'});
    // A job that failed for good without starting (no processor anywhere): failed, no duration.
    const unprocessed = await store.createJob({now: T0, runAt: T0 + 2 * HOUR, taskName: 'alpha'});

    await store.postponeJob({error: {code: 'NO_PROCESSOR'}, id: unprocessed?.id ?? 0, noProcessorCount: 0, now: T0 + 2 * HOUR + 5 * MINUTE, runAt: null});
    await runJob(store, {endedAt: T0 + 2 * HOUR + 30 * MINUTE + 500, startedAt: T0 + 2 * HOUR + 30 * MINUTE, state: 'ERROR', taskName: 'beta'});
    // Pending and running jobs: not counted.
    await store.createJob({now: T0, runAt: T0 + 4 * HOUR, taskName: 'alpha'});
    await store.createJob({now: T0, runAt: T0 + 2 * HOUR, taskName: 'beta'});
    await store.claimJobs({claimUntil: T0 + 2 * HOUR, limit: 1, now: T0 + 2 * HOUR, taskNames: ['beta'], worker: 'stats'});

    const scheduler = await h.createScheduler();
    const range = {bucketSize: HOUR, from: T0, to: T0 + 3 * HOUR};
    const alpha = [
      {averageDuration: 2_000, bucketStart: T0, failed: 1, maxDuration: 3_000, succeeded: 2, taskName: 'alpha'},
      {averageDuration: 1_000, bucketStart: T0 + HOUR, failed: 0, maxDuration: 1_000, succeeded: 1, taskName: 'alpha'},
      {averageDuration: null, bucketStart: T0 + 2 * HOUR, failed: 1, maxDuration: null, succeeded: 0, taskName: 'alpha'},
    ];
    const beta = [{averageDuration: 500, bucketStart: T0 + 2 * HOUR, failed: 1, maxDuration: 500, succeeded: 0, taskName: 'beta'}];

    t.deepEqual(await scheduler.summarizeJobs(range), [...alpha, ...beta]);
    t.deepEqual(await scheduler.summarizeJobs({...range, taskName: 'beta'}), beta);
    t.deepEqual(await scheduler.summarizeJobs({...range, taskName: 'none'}), []);
    t.deepEqual(await scheduler.summarizeJobs({...range, taskName: 'a\u0000b'}), []);
    // Buckets start at `from`, wherever it is; a duration string for the size.
    t.deepEqual(await scheduler.summarizeJobs({bucketSize: '90m', from: new Date(T0 + 30 * MINUTE), taskName: 'alpha', to: new Date(T0 + 3 * HOUR).toISOString()}), [
      {averageDuration: 1_500, bucketStart: T0 + 30 * MINUTE, failed: 1, maxDuration: 2_000, succeeded: 1, taskName: 'alpha'},
      {averageDuration: null, bucketStart: T0 + 2 * HOUR, failed: 1, maxDuration: null, succeeded: 0, taskName: 'alpha'},
    ]);

    // By default the last 24 hours in hours, up to now: the job before T0 too.
    await h.clock.advance(3 * HOUR);
    t.deepEqual(await scheduler.summarizeJobs(), [{averageDuration: 4_999, bucketStart: T0 - HOUR, failed: 0, maxDuration: 4_999, succeeded: 1, taskName: 'alpha'}, ...alpha, ...beta]);

    await rejects(t, scheduler.summarizeJobs({bucketSize: 0}), {code: 'INVALID_ARGUMENT', option: 'bucketSize'});
    await rejects(t, scheduler.summarizeJobs({bucketSize: '1ms'}), {code: 'INVALID_ARGUMENT', option: 'bucketSize'});
    await rejects(t, scheduler.summarizeJobs({from: T0, to: T0}), {code: 'INVALID_ARGUMENT', option: 'from'});
    await rejects(t, scheduler.summarizeJobs({from: 'yesterday'}), {code: 'INVALID_DATE', option: 'from'});
    await rejects(t, scheduler.summarizeJobs({taskName: ''}), {code: 'INVALID_ARGUMENT', option: 'taskName'});
  });
};
