/** What a processor's job does: log, progress, done, fail, callbacks, errors, timeouts. */
import type {Job} from '../../scheduler/index.ts';
import type {DefineSchedulerStoreTestsConfiguration, KitTest} from '../types.ts';
import {until} from '../until.ts';
import {createHarness, recordSchedulerEvents} from './createHarness.ts';
import {MINUTE, at, iso} from './helpers.ts';

export const defineJobCallTests = (test: KitTest, title: (text: string) => string, createStore: DefineSchedulerStoreTestsConfiguration['createStore']): void => {
  test(title('log and progress are stored with the job; done twice, log after done and done after fail are coded errors'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const events = recordSchedulerEvents(scheduler);
    const checks: Array<() => Promise<void> | void> = [];

    await scheduler.schedule({name: 'logged', schedule: {date: at('00:01:00')}, timeout: 10_000});
    // Taking `done`, a processor's job runs until it ends it, not until the processor returns.
    scheduler.addProcessor('logged', (job, _done) => {
      checks.push(async () => {
        await job.log('started');
        await job.progress(0.3);
        await job.progress('upload');
        await job.progress(0.6, 'verify');
        t.throws(() => job.progress(2), {code: 'INVALID_PROGRESS'});
        await new Promise<void>((resolve, reject) => {
          void job.log('with a callback', (error) => {
            if (error) {
              reject(error);
            } else {
              resolve();
            }
          });
        });
        await job.done();
        await t.throwsAsync(job.done(), {code: 'job_done'});
        await t.throwsAsync(job.fail(new Error('late')), {code: 'job_done'});
        t.throws(() => job.log('after done'), {code: 'job_done'});

        const viaCallback = await new Promise<Error | null>((resolve) => {
          void job.done(resolve);
        });

        t.like(viaCallback, {code: 'job_done'});
      });
    });

    await h.clock.advance(MINUTE);
    await until(() => checks.length === 1);
    await checks[0]?.();
    await until(() => events.succeeded.length === 1);

    const jobId = events.succeeded[0]?.job.id ?? 0;
    const logs = await scheduler.getJobLogs(jobId);

    t.deepEqual(logs.map(({message, progress, step}) => ({message, progress, step})), [
      {message: 'started', progress: null, step: null},
      {message: null, progress: 0.3, step: null},
      {message: null, progress: null, step: 'upload'},
      {message: null, progress: 0.6, step: 'verify'},
      {message: 'with a callback', progress: null, step: null},
    ]);
    t.like(await scheduler.getJob(jobId), {progress: 0.6, state: 'DONE', step: 'verify'});

    await scheduler.schedule({name: 'failing', retry: {attempts: 1}, schedule: {date: at('00:02:00')}, timeout: 10_000});
    scheduler.addProcessor('failing', (job, _done) => {
      checks.push(async () => {
        await job.fail(new Error('disk full'));
        await t.throwsAsync(job.done(), {code: 'job_failed'});
        t.throws(() => job.log('after fail'), {code: 'job_failed'});
      });
    });
    await h.clock.advance(MINUTE);
    await until(() => checks.length === 2);
    await checks[1]?.();
    await until(() => events.failed.length === 1);
    t.like(events.failed[0], {error: {message: 'disk full'}, job: {state: 'ERROR', taskName: 'failing'}});
  });

  test(title('an error jsonb cannot hold (a NUL byte) is stored with U+FFFD, and the job ending beside it is stored too'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const events = recordSchedulerEvents(scheduler);

    await scheduler.schedule({name: 'nul', retry: {attempts: 1}, schedule: {date: at('00:01:00')}, timeout: 10_000});
    await scheduler.schedule({name: 'fine', schedule: {date: at('00:01:00')}, timeout: 10_000});
    scheduler.addProcessor('nul', async () => {
      throw new Error('bad \u0000 byte');
    });
    scheduler.addProcessor('fine', async () => undefined);
    await h.clock.advance(MINUTE);
    await until(() => events.failed.length === 1 && events.succeeded.length === 1);

    const failedJob = events.failed[0]?.job;

    t.like(failedJob, {error: {message: 'bad \uFFFD byte'}, state: 'ERROR', taskName: 'nul'});
    t.like(await scheduler.getJob(failedJob?.id ?? 0), {error: {message: 'bad \uFFFD byte'}, state: 'ERROR'});
    t.like(events.succeeded[0], {job: {state: 'DONE', taskName: 'fine'}});
    t.deepEqual(events.error, []);
  });

  test(title('fail(callback) and done(result, callback) call back as in Infinitas; without a callback they return a promise'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const events = recordSchedulerEvents(scheduler);
    const answers: Array<[string, Error | null]> = [];
    const promises: Array<Promise<void>> = [];

    await scheduler.schedule({name: 'fails', retry: {attempts: 1}, schedule: {date: at('00:01:00')}, timeout: 10_000});
    await scheduler.schedule({name: 'succeeds', schedule: {date: at('00:01:00')}, timeout: 10_000});
    await scheduler.schedule({name: 'awaited', schedule: {date: at('00:01:00')}, timeout: 10_000});
    scheduler.addProcessor('fails', (job) => {
      void job.fail((error) => {
        answers.push(['fail', error]);
        void job.done((late) => {
          answers.push(['done after fail', late]);
        });
      });
    });
    scheduler.addProcessor('succeeds', (job) => {
      void job.done({rows: 3}, (error) => {
        answers.push(['done', error]);
      });
    });
    scheduler.addProcessor('awaited', (job) => {
      promises.push(job.done('finished'));
    });

    await h.clock.advance(MINUTE);
    await until(() => answers.length === 3 && events.succeeded.length === 2 && promises.length === 1);
    await promises[0];

    t.deepEqual(answers.map(([call, error]) => [call, error === null ? null : (error as Error & {code: string}).code]).sort(), [
      ['done after fail', 'job_failed'],
      ['done', null],
      ['fail', null],
    ]);
    t.like(events.failed[0], {error: {code: 'JOB_HANDLER_ERROR'}, job: {error: {code: 'JOB_HANDLER_ERROR'}, state: 'ERROR', taskName: 'fails'}});
    t.deepEqual(events.succeeded.map(({job, result}) => [job.taskName, result]).sort(), [['awaited', 'finished'], ['succeeds', {rows: 3}]]);
  });

  test(title('a processor that returns completes its job with what it returns (as in BullMQ), unless it takes done: then done(error?, result?) ends it'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const events = recordSchedulerEvents(scheduler);
    const callbacks = new Map<string, (error?: unknown, result?: unknown) => void>();
    const names = ['returns', 'resolves', 'takes-done', 'async-takes-done', 'fails-through-done'];

    for (const name of names) {
      await scheduler.schedule({name, retry: {attempts: 1}, schedule: {date: at('00:01:00')}, timeout: 10_000});
    }

    scheduler.addProcessor('returns', () => 42);
    scheduler.addProcessor('resolves', async () => ({rows: 1}));
    scheduler.addProcessor('takes-done', (job, done) => {
      callbacks.set(job.taskName, done);
    });
    scheduler.addProcessor('async-takes-done', async (job, done) => {
      callbacks.set(job.taskName, done);

      return 'ignored: the processor takes done';
    });
    scheduler.addProcessor('fails-through-done', (job, done) => {
      callbacks.set(job.taskName, done);
    });

    await h.clock.advance(MINUTE);
    await until(() => events.succeeded.length === 2 && callbacks.size === 3);

    const state = async (name: string) => (await scheduler.listJobs({taskName: name})).jobs[0]?.state;

    t.deepEqual(events.succeeded.map(({job, result}) => [job.taskName, result]).sort(), [['resolves', {rows: 1}], ['returns', 42]]);
    t.deepEqual(await Promise.all(['takes-done', 'async-takes-done', 'fails-through-done'].map(state)), ['RUNNING', 'RUNNING', 'RUNNING']);

    callbacks.get('takes-done')?.(null, 'later');
    callbacks.get('async-takes-done')?.();
    callbacks.get('fails-through-done')?.(new Error('nope'));
    await until(() => events.succeeded.length === 4 && events.failed.length === 1);

    t.deepEqual(events.succeeded.slice(2).map(({job, result}) => [job.taskName, result]).sort(), [['async-takes-done', undefined], ['takes-done', 'later']]);
    t.like(events.failed[0], {error: {message: 'nope'}, job: {state: 'ERROR', taskName: 'fails-through-done'}});
  });

  test(title('a handler that throws or rejects fails the job with that error'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const events = recordSchedulerEvents(scheduler);

    await scheduler.schedule({name: 'throws', schedule: '* * * * *', timeout: 10_000});
    await scheduler.schedule({name: 'rejects', schedule: '* * * * *', timeout: 10_000});
    scheduler.addProcessor('throws', () => {
      throw new Error('sync boom');
    });
    scheduler.addProcessor('rejects', async () => {
      throw new Error('async boom');
    });

    await h.clock.advance(MINUTE);
    await until(() => events.failed.length === 2);

    t.deepEqual(events.failed.map(({error}) => (error as Error).message).sort(), ['async boom', 'sync boom']);
    t.like((await scheduler.getTask('throws'))?.lastFailure, {status: 'failed'});
    t.like(events.failed.find(({job}) => job.taskName === 'throws')?.job.error, {message: 'sync boom'});
  });

  test(title('a job that fails with an error holding a value nested deeper than the stack is stored and reported, the stack intact'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const events = recordSchedulerEvents(scheduler);
    let deep: unknown = 'leaf';

    for (let level = 0; level < 200_000; level++) {
      deep = {deeper: deep};
    }

    await scheduler.schedule({name: 'deep-error', retry: {attempts: 1}, schedule: {date: at('00:01:00')}, timeout: 10_000});
    scheduler.addProcessor('deep-error', () => {
      throw Object.assign(new Error('deep'), {details: deep});
    });

    await h.clock.advance(MINUTE);
    await until(() => events.failed.length === 1);

    t.like(events.failed[0], {error: {message: 'deep'}, job: {error: {message: 'deep'}, state: 'ERROR'}});
    t.like(await scheduler.getJob(events.failed[0]?.job.id ?? 0), {error: {message: 'deep'}, state: 'ERROR'});
    t.deepEqual(events.error, []);
  });

  test(title('a job past its timeout fails with job_timed_out, fires timeout, keeps its logs and goes on logging, and the next slot still runs'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const events = recordSchedulerEvents(scheduler);
    const timeouts: number[] = [];
    const jobs: Job[] = [];

    await scheduler.schedule({name: 'slow', schedule: '* * * * *', timeout: 5_000});
    scheduler.addProcessor('slow', (job, _done) => {
      jobs.push(job);
      job.on('timeout', (taskTimeoutValue) => {
        timeouts.push(taskTimeoutValue);
      });
      void job.log('working');
    });

    await h.clock.advance(MINUTE);
    await until(() => jobs.length === 1);
    await h.clock.advance(5_000);
    await until(() => events.failed.length === 1);

    // Infinitas' `job.on('timeout', (taskTimeoutValue) => …)`: the task's timeout; the error is the signal's reason.
    t.deepEqual(timeouts, [5_000]);
    t.like(jobs[0]?.signal.reason, {code: 'job_timed_out', jobId: jobs[0]?.id, timeout: 5_000});
    t.like(events.timeout[0], {error: {code: 'job_timed_out'}, job: {id: jobs[0]?.id}});
    t.like(events.failed[0], {job: {state: 'ERROR'}});
    t.true(jobs[0]?.signal.aborted);
    await t.throwsAsync(jobs[0]?.done() ?? Promise.resolve(), {code: 'job_timed_out'});
    await t.throwsAsync(jobs[0]?.fail(new Error('late')) ?? Promise.resolve(), {code: 'job_timed_out'});

    // As in Infinitas, a timed-out job goes on logging (its progress is logged, the job's own stays).
    await jobs[0]?.log('late');
    await jobs[0]?.progress(0.9, 'cleanup');
    t.deepEqual((await scheduler.getJobLogs(jobs[0]?.id ?? 0)).map(({attempt, message, progress, step}) => ({attempt, message, progress, step})), [
      {attempt: 1, message: 'working', progress: null, step: null},
      {attempt: 1, message: 'late', progress: null, step: null},
      {attempt: 1, message: null, progress: 0.9, step: 'cleanup'},
    ]);
    t.like(await scheduler.getJob(jobs[0]?.id ?? 0), {progress: null, state: 'ERROR', step: null});
    t.deepEqual(events.error, []);

    await h.clock.advance(MINUTE - 5_000);
    await until(() => jobs.length === 2);
    t.is(iso(jobs[1]?.scheduledFor ?? 0), at('00:02:00'));
  });
};
