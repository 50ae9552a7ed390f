/** Job statistics: summarizeJobs counts the ended jobs per task and bucket in the store. */
import type {DefineSchedulerStoreTestsConfiguration, KitTest} from '../types.ts';
import {createHarness, SCHEDULER_START} from './createHarness.ts';
import {MINUTE, rejects, runEndedJob, saveStoredTask} from './helpers.ts';

const HOUR = 60 * MINUTE;
const T0 = SCHEDULER_START;

export const defineStatsTests = (test: KitTest, title: (text: string) => string, createStore: DefineSchedulerStoreTestsConfiguration['createStore']): void => {
  test(title('summarizeJobs counts the jobs that succeeded and failed per task and bucket, with their durations, from the ended jobs of the range alone'), async (t) => {
    const h = await createHarness(t, createStore);
    const {store} = h;

    await saveStoredTask(store, 'alpha', T0 - HOUR);
    await saveStoredTask(store, 'beta', T0 - HOUR);

    // Before the range: not counted.
    await runEndedJob(store, {endedAt: T0 - 1, startedAt: T0 - 5_000, state: 'DONE', taskName: 'alpha'});
    // The first hour: 2 of 3 succeeded, lasting 1, 3 and 2 s.
    await runEndedJob(store, {endedAt: T0 + 10 * MINUTE + 1_000, startedAt: T0 + 10 * MINUTE, state: 'DONE', taskName: 'alpha'});
    await runEndedJob(store, {endedAt: T0 + 20 * MINUTE + 3_000, startedAt: T0 + 20 * MINUTE, state: 'DONE', taskName: 'alpha'});
    await runEndedJob(store, {endedAt: T0 + 30 * MINUTE + 2_000, startedAt: T0 + 30 * MINUTE, state: 'ERROR', taskName: 'alpha'});
    // A failed attempt that will be retried has not ended: not counted.
    await runEndedJob(store, {endedAt: T0 + 40 * MINUTE, startedAt: T0 + 35 * MINUTE, state: 'WAITING', taskName: 'alpha'});
    await store.cancelJob({id: (await store.listJobs({limit: 1, states: ['WAITING'], taskName: 'alpha'}))[0]?.id ?? 0, now: T0 + 41 * MINUTE});
    // Ending on the edge of the second hour: in the second.
    await runEndedJob(store, {endedAt: T0 + HOUR, startedAt: T0 + HOUR - 1_000, state: 'DONE', taskName: 'alpha'});
    // Ending at `to`: not counted.
    await runEndedJob(store, {endedAt: T0 + 3 * HOUR, startedAt: T0 + 3 * HOUR - 1_000, state: 'DONE', taskName: 'alpha'});
    // A job that failed for good without starting (no processor anywhere): failed, no duration.
    const unprocessed = await store.createJob({now: T0, runAt: T0 + 2 * HOUR, taskName: 'alpha'});

    await store.postponeJob({error: {code: 'NO_PROCESSOR'}, id: unprocessed?.id ?? 0, noProcessorCount: 0, now: T0 + 2 * HOUR + 5 * MINUTE, runAt: null});
    await runEndedJob(store, {endedAt: T0 + 2 * HOUR + 30 * MINUTE + 500, startedAt: T0 + 2 * HOUR + 30 * MINUTE, state: 'ERROR', taskName: 'beta'});
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

    t.deepEqual(await scheduler.summarizeJobs(range), {...range, buckets: [...alpha, ...beta]});
    t.deepEqual((await scheduler.summarizeJobs({...range, taskName: 'beta'})).buckets, beta);
    t.deepEqual((await scheduler.summarizeJobs({...range, taskName: 'none'})).buckets, []);
    t.deepEqual(await scheduler.summarizeJobs({...range, taskName: 'a\u0000b'}), {...range, buckets: []});
    // Buckets start at `from`, wherever it is; a duration string for the size.
    t.deepEqual((await scheduler.summarizeJobs({bucketSize: '90m', from: new Date(T0 + 30 * MINUTE), taskName: 'alpha', to: new Date(T0 + 3 * HOUR).toISOString()})).buckets, [
      {averageDuration: 1_500, bucketStart: T0 + 30 * MINUTE, failed: 1, maxDuration: 2_000, succeeded: 1, taskName: 'alpha'},
      {averageDuration: null, bucketStart: T0 + 2 * HOUR, failed: 1, maxDuration: null, succeeded: 0, taskName: 'alpha'},
    ]);

    // By default 24 hours by hour, up to the end of the hour now is in: the job before T0 and the one at T0 + 3 h too.
    await h.clock.advance(3 * HOUR);

    const earlier = {averageDuration: 4_999, bucketStart: T0 - HOUR, failed: 0, maxDuration: 4_999, succeeded: 1, taskName: 'alpha'};
    const later = {averageDuration: 1_000, bucketStart: T0 + 3 * HOUR, failed: 0, maxDuration: 1_000, succeeded: 1, taskName: 'alpha'};

    t.deepEqual(await scheduler.summarizeJobs(), {bucketSize: HOUR, buckets: [earlier, ...alpha, later, ...beta], from: T0 - 20 * HOUR, to: T0 + 4 * HOUR});

    await rejects(t, scheduler.summarizeJobs({bucketSize: 0}), {code: 'INVALID_ARGUMENT', option: 'bucketSize'});
    await rejects(t, scheduler.summarizeJobs({bucketSize: '1ms'}), {code: 'INVALID_ARGUMENT', option: 'bucketSize'});
    await rejects(t, scheduler.summarizeJobs({from: T0, to: T0}), {code: 'INVALID_ARGUMENT', option: 'from'});
    await rejects(t, scheduler.summarizeJobs({from: 'yesterday'}), {code: 'INVALID_DATE', option: 'from'});
    await rejects(t, scheduler.summarizeJobs({taskName: ''}), {code: 'INVALID_ARGUMENT', option: 'taskName'});
  });
};
