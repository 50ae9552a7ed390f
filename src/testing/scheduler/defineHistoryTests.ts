/** Administration of ended jobs: retryJob, pruneJobs, countJobs. */
import type {JobRecord} from '../../scheduler/index.ts';
import type {DefineSchedulerStoreTestsConfiguration, KitTest} from '../types.ts';
import {until} from '../until.ts';
import {createHarness, recordSchedulerEvents} from './createHarness.ts';
import {FAR, MINUTE, at, rejects} from './helpers.ts';

export const defineHistoryTests = (test: KitTest, title: (text: string) => string, createStore: DefineSchedulerStoreTestsConfiguration['createStore']): void => {
  test(title('retryJob gives a job that failed for good one more attempt (the count goes on) and a canceled one its run; other states are refused'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const events = recordSchedulerEvents(scheduler);
    const outcomes = ['fail', 'fail', 'succeed', 'fail', 'fail'];

    await scheduler.schedule({name: 'flaky', retry: {attempts: 2, backoff: {delay: 1_000, type: 'fixed'}}, schedule: {date: at('00:01:00')}, timeout: 10_000});
    scheduler.addProcessor('flaky', async () => {
      if (outcomes.shift() === 'fail') {
        throw new Error('flaky');
      }
    });

    await h.clock.advance(MINUTE);
    await until(() => events.retry.length === 1);
    await h.clock.advance(1_000);
    await until(() => events.failed.length === 1);

    const failed = events.failed[0]?.job;
    const id = failed?.id ?? 0;

    t.like(await scheduler.getJob(id), {attempt: 2, state: 'ERROR'});

    const retried = await scheduler.retryJob(id);

    t.like(retried, {attempt: 2, endedAt: null, error: {message: 'flaky'}, noProcessorCount: 0, state: 'WAITING'});
    t.is(retried.runAt, h.clock.now());
    await until(() => events.succeeded.length === 1);
    t.like(events.succeeded[0]?.job, {attempt: 3, id, state: 'DONE'});

    await t.throwsAsync(scheduler.retryJob(id), {code: 'INVALID_JOB_STATE', message: /DONE.*ERROR or CANCELED/u});
    await t.throwsAsync(scheduler.retryJob(987_654), {code: 'UNKNOWN_JOB'});
    await rejects(t, scheduler.retryJob(1.5), {code: 'INVALID_ARGUMENT', option: 'jobId'});

    // Used up again: one more attempt, which fails, and the job fails for good at once (no backoff retry).
    const again = await scheduler.runTask('flaky', {runAt: at('00:10:00')});

    await h.clock.advance(9 * MINUTE);
    await until(() => events.retry.length === 2);
    await h.clock.advance(1_000);
    await until(() => events.failed.length === 2);
    outcomes.splice(0, outcomes.length, 'fail');
    await scheduler.retryJob(again.id);
    await until(() => events.failed.length === 3);
    t.like(await scheduler.getJob(again.id), {attempt: 3, state: 'ERROR'});
    t.is(events.retry.length, 2);

    // A canceled job that never started runs from its first attempt.
    const canceled = await scheduler.runTask('flaky', {runAt: at('01:00:00')});

    await scheduler.cancel(canceled.id);
    outcomes.splice(0, outcomes.length, 'succeed');
    t.like(await scheduler.retryJob(canceled.id), {attempt: 0, state: 'SCHEDULED'});
    await until(() => events.succeeded.length === 2);
    t.like(await scheduler.getJob(canceled.id), {attempt: 1, state: 'DONE'});

    await scheduler.unschedule('flaky');
    await t.throwsAsync(scheduler.retryJob(again.id), {code: 'UNKNOWN_TASK'});
    t.deepEqual(events.error, []);
  });

  test(title('pruneJobs deletes ended jobs and their logs in batches, reporting progress, and nothing else'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();

    await scheduler.schedule({name: 'old', schedule: {date: FAR}, timeout: 1_000});
    await scheduler.schedule({name: 'other', schedule: {date: FAR}, timeout: 1_000});

    const ended: JobRecord[] = [];

    // Five jobs of `old` and one of `other` canceled at 00:00, one of `old` canceled at 00:10, one pending.
    for (let index = 0; index < 5; index++) {
      ended.push(await scheduler.cancel((await scheduler.runTask('old', {runAt: FAR})).id));
    }

    const otherTask = await scheduler.cancel((await scheduler.runTask('other', {runAt: FAR})).id);

    await h.store.recordLog({attempt: 0, id: ended[0]?.id ?? 0, message: 'kept until pruned', now: h.clock.now(), progress: null, step: null});
    await h.clock.advance(10 * MINUTE);

    const recent = await scheduler.cancel((await scheduler.runTask('old', {runAt: FAR})).id);
    const pending = await scheduler.runTask('old', {runAt: FAR});
    const progress: Array<{readonly deleted: number; readonly total: number}> = [];

    t.is(await scheduler.pruneJobs({olderThan: at('00:05:00'), states: ['DONE', 'ERROR'], taskName: 'old'}), 0, 'no DONE or ERROR job');
    t.is(await scheduler.pruneJobs({batchSize: 2, olderThan: new Date(at('00:05:00')), onProgress: (reported) => progress.push(reported), taskName: 'old'}), 5);
    t.deepEqual(progress, [{deleted: 0, total: 5}, {deleted: 2, total: 5}, {deleted: 4, total: 5}, {deleted: 5, total: 5}]);

    for (const job of ended) {
      t.is(await scheduler.getJob(job.id), null);
    }

    t.deepEqual(await scheduler.getJobLogs(ended[0]?.id ?? 0), []);
    t.like(await scheduler.getJob(recent.id), {state: 'CANCELED'});
    t.like(await scheduler.getJob(pending.id), {state: 'SCHEDULED'});
    t.like(await scheduler.getJob(otherTask.id), {state: 'CANCELED'});

    t.is(await scheduler.pruneJobs({olderThan: h.clock.now() + 1}), 2, 'every task, every ended state');
    t.like(await scheduler.getJob(pending.id), {state: 'SCHEDULED'});

    await rejects(t, scheduler.pruneJobs({olderThan: 'last month'}), {code: 'INVALID_DATE', option: 'olderThan'});
    await rejects(t, scheduler.pruneJobs({olderThan: 0, states: ['RUNNING' as never]}), {code: 'INVALID_ARGUMENT', option: 'states'});
    await rejects(t, scheduler.pruneJobs({batchSize: 0, olderThan: 0}), {code: 'INVALID_ARGUMENT', option: 'batchSize'});
  });

  test(title('countJobs counts each task\'s jobs by state, zeros included'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();

    await scheduler.schedule({name: 'counted', schedule: {date: FAR}, timeout: 1_000});
    await scheduler.runTask('counted', {runAt: FAR});
    await scheduler.cancel((await scheduler.runTask('counted', {runAt: FAR})).id);
    // A task without jobs (stored behind the scheduler's back: it plans none).
    await h.store.saveTask({now: h.clock.now(), task: {concurrency: 1, misfire: 'once', name: 'idle', payload: null, retry: {attempts: 1, backoff: null}, schedule: {every: 1_000, kind: 'INTERVAL'}, timeout: 1_000}});

    const zero = {CANCELED: 0, DONE: 0, ERROR: 0, RUNNING: 0, SCHEDULED: 0, WAITING: 0};

    t.deepEqual(await scheduler.countJobs(), {counted: {...zero, CANCELED: 1, SCHEDULED: 2}, idle: zero});
    t.deepEqual(await scheduler.countJobs({taskName: 'counted'}), {counted: {...zero, CANCELED: 1, SCHEDULED: 2}});
    t.deepEqual(await scheduler.countJobs({taskName: 'none'}), {});
    t.deepEqual(await scheduler.countJobs({states: ['SCHEDULED', 'RUNNING']}), {counted: {RUNNING: 0, SCHEDULED: 2}, idle: {RUNNING: 0, SCHEDULED: 0}});
    t.deepEqual(await scheduler.countJobs({states: ['CANCELED'], taskName: 'counted'}), {counted: {CANCELED: 1}});
    await rejects(t, scheduler.countJobs({states: ['LOST' as never]}), {code: 'INVALID_ARGUMENT', option: 'states'});
  });
};
