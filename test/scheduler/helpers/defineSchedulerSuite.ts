/**
 * The scheduler's conformance suite: every behaviour of createScheduler on one store. Run against
 * every SchedulerStore implementation (memory, PGlite, PostgreSQL): a new store is done when it passes.
 * Time is a manual clock; only the store's own I/O takes real time.
 */
import type {TestFn} from 'ava';
import {type Job, type JobRecord, parseSchedule} from '../../../src/scheduler/index.ts';
import {until} from '../../helpers/until.ts';
import {createHarness, recordSchedulerEvents, type SchedulerStoreFactory} from './createHarness.ts';
import {defineAdminSuite} from './defineAdminSuite.ts';

const MINUTE = 60_000;
const iso = (value: Date | number) => new Date(value).toISOString();
const at = (time: string) => `2026-01-01T${time}.000Z`;

export const defineSchedulerSuite = (test: TestFn, name: string, createStore: SchedulerStoreFactory) => {
  const title = (text: string) => `${name}: ${text}`;

  defineAdminSuite(test, name, createStore);

  test(title('the recovery of a lost attempt does not end the same attempt given back and claimed again (fenced by its lease)'), async (t) => {
    const {store} = await createHarness(t, createStore);
    const now = Date.parse(at('00:00:00'));
    const taskNames = ['report'];

    await store.saveTask({
      now,
      task: {concurrency: 1, misfire: 'once', name: 'report', payload: null, retry: {attempts: 3, backoff: null}, schedule: parseSchedule({schedule: '1h'}), timeout: MINUTE},
    });
    await store.materializeJobs({now, plan: () => ({jobs: [{runAt: now, scheduledFor: now, slotCount: 1}], lastSlot: now, nextRunAt: null, skipped: null}), taskNames, until: now});

    // The first claim's lease ends at 00:01; given back, then claimed again at 00:05 (lease to 00:06), as attempt 1 again.
    const [first] = await store.claimJobs({claimUntil: now, limit: 1, now, taskNames, worker: 'lost'});
    const id = first?.id ?? 0;

    t.like(first, {attempt: 1, leaseUntil: now + MINUTE});
    await store.releaseJobs([{attempt: 1, id}]);

    const later = now + 5 * MINUTE;
    const [again] = await store.claimJobs({claimUntil: later, limit: 1, now: later, taskNames, worker: 'live'});

    t.like(again, {attempt: 1, id, leaseUntil: later + MINUTE});

    // A recovery that listed the first attempt (lease past by 00:02) finishes attempt 1: fenced off.
    const lostOutcome = {error: {message: 'timed out'}, state: 'ERROR' as const};

    t.deepEqual(await store.finishJobs([{attempt: 1, id, leaseEndedBy: now + 2 * MINUTE, now: later, outcome: lostOutcome}]), [null]);
    t.like(await store.getJob(id), {attempt: 1, state: 'RUNNING', worker: 'live'});

    // Once the live attempt's own lease has ended, a recovery applies.
    t.like((await store.finishJobs([{attempt: 1, id, leaseEndedBy: later + MINUTE, now: later + MINUTE, outcome: {result: null, state: 'DONE'}}]))[0], {state: 'DONE'});
  });

  test(title('a claim whose signal has aborted (a terminating scheduler gave it up) rejects with its reason and claims nothing'), async (t) => {
    const {store} = await createHarness(t, createStore);
    const now = Date.parse(at('00:00:00'));
    const taskNames = ['report'];

    await store.saveTask({
      now,
      task: {concurrency: 1, misfire: 'once', name: 'report', payload: null, retry: {attempts: 1, backoff: null}, schedule: parseSchedule({schedule: '1h'}), timeout: MINUTE},
    });
    await store.materializeJobs({now, plan: () => ({jobs: [{runAt: now, scheduledFor: now, slotCount: 1}], lastSlot: now, nextRunAt: null, skipped: null}), taskNames, until: now});

    const reason = new Error('given up');

    await t.throwsAsync(store.claimJobs({claimUntil: now, limit: 1, now, signal: AbortSignal.abort(reason), taskNames, worker: 'gone'}), {is: reason});
    t.like((await store.listJobs({limit: 500, taskName: 'report'}))[0], {attempt: 0, state: 'SCHEDULED', worker: null});
    t.like((await store.claimJobs({claimUntil: now, limit: 1, now, taskNames, worker: 'live'}))[0], {attempt: 1, state: 'RUNNING', worker: 'live'});
  });

  test(title('a cron task runs one job per slot, with its id, slot, attempt and payload, and getTask reports it'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const events = recordSchedulerEvents(scheduler);
    const jobs: Job[] = [];

    const info = await scheduler.schedule({name: 'minutely', payload: {table: 'users'}, schedule: '* * * * *', timeout: 10_000});

    t.is(iso(info.nextRunAt ?? 0), at('00:01:00'));
    t.is(iso(info.nextJob?.date ?? 0), at('00:01:00'), 'the next job exists before it runs');

    scheduler.addProcessor('minutely', async (job) => {
      jobs.push(job);
    });

    for (let slot = 1; slot <= 3; slot++) {
      await h.clock.advance(MINUTE);
      await until(() => events.succeeded.length === slot);
    }

    t.deepEqual(jobs.map((job) => iso(job.scheduledFor)), [at('00:01:00'), at('00:02:00'), at('00:03:00')]);
    t.like(jobs[0], {attempt: 1, payload: {table: 'users'}, slotCount: 1, taskName: 'minutely'});
    t.is(typeof jobs[0]?.id, 'number');

    const task = await scheduler.getTask('minutely');

    t.like(task, {concurrency: 1, lastFailure: null, lastJob: {id: jobs[2]?.id, status: 'succeeded'}, lastSuccess: {id: jobs[2]?.id}, name: 'minutely'});
    t.is(iso(task?.nextRunAt ?? 0), at('00:04:00'));
    t.deepEqual((await scheduler.listTasks()).map((listed) => listed.name), ['minutely']);
    t.deepEqual(events.error, []);
  });

  test(title('an interval task runs at every multiple of its period'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const events = recordSchedulerEvents(scheduler);

    await scheduler.schedule({name: 'every-10s', schedule: '10s', timeout: 5_000});
    scheduler.addProcessor('every-10s', (job) => {
      void job.done();
    });

    for (let slot = 1; slot <= 3; slot++) {
      await h.clock.advance(10_000);
      await until(() => events.succeeded.length === slot);
    }

    t.deepEqual(events.succeeded.map(({job}) => iso(job.scheduledFor)), [at('00:00:10'), at('00:00:20'), at('00:00:30')]);
  });

  test(title('a one-shot job exists ahead of its date, runs at it, and a canceled one never runs'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const events = recordSchedulerEvents(scheduler);

    const reminder = await scheduler.schedule({name: 'reminder', schedule: {date: at('00:05:00')}, timeout: 5_000});
    const canceled = await scheduler.schedule({name: 'canceled', schedule: {date: at('00:05:00')}, timeout: 5_000});

    scheduler.addProcessor('reminder', async () => undefined);
    scheduler.addProcessor('canceled', async () => undefined);

    t.like(await scheduler.getJob(reminder.nextJob?.id ?? 0), {state: 'SCHEDULED'});
    t.like(await scheduler.cancel(canceled.nextJob?.id ?? 0), {state: 'CANCELED'});
    await t.throwsAsync(scheduler.cancel(canceled.nextJob?.id ?? 0), {code: 'INVALID_JOB_STATE'});
    await t.throwsAsync(scheduler.cancel(987_654), {code: 'UNKNOWN_JOB'});

    await h.clock.advance(4 * MINUTE);
    t.is(events.succeeded.length, 0);
    await h.clock.advance(MINUTE);
    await until(() => events.succeeded.length === 1);
    await h.clock.advance(10 * MINUTE);

    t.deepEqual(events.succeeded.map(({job}) => job.taskName), ['reminder']);
    t.like(await scheduler.getJob(reminder.nextJob?.id ?? 0), {state: 'DONE'});
    t.is((await scheduler.getTask('reminder'))?.nextRunAt, null);
  });

  test(title('reschedule moves a job to another date'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler({pollInterval: 1_000});
    const events = recordSchedulerEvents(scheduler);
    const task = await scheduler.schedule({name: 'moved', schedule: {date: at('00:10:00')}, timeout: 5_000});

    scheduler.addProcessor('moved', async () => undefined);

    const moved = await scheduler.reschedule(task.nextJob?.id ?? 0, new Date(at('00:02:00')));

    t.is(iso(moved.runAt), at('00:02:00'));
    await h.clock.advance(2 * MINUTE);
    await until(() => events.succeeded.length === 1);
    t.is(iso(h.clock.now()), at('00:02:00'));
    t.is(iso(events.succeeded[0]?.job.startedAt ?? 0), at('00:02:00'));
  });

  test(title('a one-shot with repeat runs at its date and then every period after'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const events = recordSchedulerEvents(scheduler);

    await scheduler.schedule({name: 'repeat', schedule: {date: at('00:01:00'), repeat: {m: 2}}, timeout: 5_000});
    scheduler.addProcessor('repeat', async () => undefined);

    for (let slot = 1; slot <= 3; slot++) {
      await h.clock.advance(slot === 1 ? MINUTE : 2 * MINUTE);
      await until(() => events.succeeded.length === slot);
    }

    t.deepEqual(events.succeeded.map(({job}) => iso(job.scheduledFor)), [at('00:01:00'), at('00:03:00'), at('00:05:00')]);
  });

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

  test(title('a DONE job stores its result as JSON (read back by getJob and onComplete); a failed one stores none'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const completed: unknown[] = [];
    const result = {at: new Date(Date.parse(at('00:01:00'))), list: [1, 'two', null, true, {deep: [0.5]}], text: 'é ✓ "quoted"'};

    await scheduler.schedule({name: 'returns', retry: {attempts: 1}, schedule: {date: at('00:01:00')}, timeout: 10_000});
    await scheduler.schedule({name: 'fails', retry: {attempts: 1}, schedule: {date: at('00:01:00')}, timeout: 10_000});
    scheduler.onComplete('returns', (_jobId, stored) => {
      completed.push(stored);
    });
    scheduler.addProcessor('returns', () => result);
    scheduler.addProcessor('fails', () => {
      throw new Error('no');
    });
    await h.clock.advance(MINUTE);

    const jobOf = async (taskName: string) => (await scheduler.listJobs({taskName})).jobs[0];

    await until(async () => (await jobOf('returns'))?.state === 'DONE' && (await jobOf('fails'))?.state === 'ERROR');

    const expected = {...result, at: at('00:01:00')};

    t.deepEqual((await jobOf('returns'))?.result, expected);
    t.deepEqual(completed, [expected]);
    t.is((await jobOf('fails'))?.result, null);
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

  test(title('a failed one-shot is retried 3 times with exponential backoff, the attempt number on the job, then fails'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler({random: () => 0});
    const events = recordSchedulerEvents(scheduler);
    const attempts: Array<{attempt: number; at: string}> = [];

    await scheduler.schedule({name: 'flaky', schedule: {date: at('00:01:00')}, timeout: 5_000});
    scheduler.addProcessor('flaky', async (job) => {
      attempts.push({at: iso(h.clock.now()), attempt: job.attempt});
      throw new Error(`attempt ${job.attempt}`);
    });

    await h.clock.advance(MINUTE);

    for (const [index, delay] of [1_000, 2_000, 4_000].entries()) {
      await until(() => events.retry.length === index + 1);
      await h.clock.advance(delay);
    }

    await until(() => events.failed.length === 1);

    t.deepEqual(attempts, [
      {at: at('00:01:00'), attempt: 1},
      {at: at('00:01:01'), attempt: 2},
      {at: at('00:01:03'), attempt: 3},
      {at: at('00:01:07'), attempt: 4},
    ]);
    t.deepEqual(events.retry.map(({runAt}) => iso(runAt)), [at('00:01:01'), at('00:01:03'), at('00:01:07')]);
    t.like(events.failed[0], {error: {message: 'attempt 4'}, job: {attempt: 4, state: 'ERROR'}});
  });

  test(title('a cron job is not retried by default; a retry policy with a fixed backoff retries it'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const events = recordSchedulerEvents(scheduler);

    await scheduler.schedule({name: 'once', schedule: '* * * * *', timeout: 5_000});
    await scheduler.schedule({name: 'twice', retry: {attempts: 2, backoff: {delay: 7_000, type: 'fixed'}}, schedule: '* * * * *', timeout: 5_000});
    scheduler.addProcessor('once', async () => {
      throw new Error('no');
    });
    scheduler.addProcessor('twice', async () => {
      throw new Error('no');
    });

    await h.clock.advance(MINUTE);
    await until(() => events.failed.length === 1 && events.retry.length === 1);
    t.like(events.failed[0], {job: {taskName: 'once'}});
    t.like(events.retry[0], {job: {state: 'WAITING', taskName: 'twice'}});
    t.is(iso(events.retry[0]?.runAt ?? 0), at('00:01:07'));
    await h.clock.advance(7_000);
    await until(() => events.failed.length === 2);
    t.like(events.failed[1], {job: {attempt: 2, taskName: 'twice'}});
  });

  test(title('a due job without a processor in any instance is retried after 1, 10 and 30 s, then fails with a clear reason'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler({noProcessorGrace: 0});
    const events = recordSchedulerEvents(scheduler);

    await scheduler.schedule({name: 'orphan', schedule: {date: at('00:01:00')}, timeout: 5_000});
    await h.clock.advance(MINUTE);

    for (const [index, delay] of [1_000, 10_000, 30_000].entries()) {
      await until(() => events.retry.length === index + 1);
      await h.clock.advance(delay);
    }

    await until(() => events.failed.length === 1);
    t.deepEqual(events.retry.map(({runAt}) => iso(runAt)), [at('00:01:01'), at('00:01:11'), at('00:01:41')]);
    t.like(events.failed[0], {error: {code: 'NO_PROCESSOR'}, job: {state: 'ERROR', taskName: 'orphan'}});
    t.regex((events.failed[0]?.error as Error).message, /No processor for task `orphan`/u);
  });

  test(title('a processor added while the job waits for one runs it'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler({noProcessorGrace: 0, noProcessorRetryDelays: [5_000]});
    const events = recordSchedulerEvents(scheduler);

    await scheduler.schedule({name: 'late-processor', schedule: {date: at('00:01:00')}, timeout: 5_000});
    await h.clock.advance(MINUTE);
    await until(() => events.retry.length === 1);
    scheduler.addProcessor('late-processor', async () => undefined);
    await h.clock.advance(5_000);
    await until(() => events.succeeded.length === 1);
    t.like(events.succeeded[0]?.job, {attempt: 1, noProcessorCount: 1, state: 'DONE'});
  });

  test(title('two scheduler instances on one store create exactly one job per slot and run it once'), async (t) => {
    const h = await createHarness(t, createStore);
    const first = await h.createScheduler();
    const second = await h.createScheduler();
    const ran: number[] = [];
    const succeeded: JobRecord[] = [];
    const done = () => succeeded.length;

    await first.schedule({name: 'shared', schedule: '*/10 * * * * *', timeout: 5_000});
    await second.schedule({name: 'shared', schedule: '*/10 * * * * *', timeout: 5_000});

    for (const scheduler of [first, second]) {
      scheduler.addProcessor('shared', async (job) => {
        ran.push(job.scheduledFor.getTime());
      });
      scheduler.events.on('succeeded', ({job}) => {
        succeeded.push(job);
      });
    }

    for (let slot = 1; slot <= 5; slot++) {
      await h.clock.advance(10_000);
      await until(() => done() === slot);
    }

    await h.clock.advance(1_000);

    const {jobs} = await first.listJobs({taskName: 'shared'});

    t.deepEqual(ran.map(iso), [at('00:00:10'), at('00:00:20'), at('00:00:30'), at('00:00:40'), at('00:00:50')]);
    t.deepEqual(jobs.filter((job) => job.state === 'DONE').map((job) => iso(job.scheduledFor)).reverse(), ran.map(iso));
  });

  test(title('concurrency bounds running jobs across instances'), async (t) => {
    const h = await createHarness(t, createStore);
    const first = await h.createScheduler();
    const running: Job[] = [];

    await first.schedule({concurrency: 2, misfire: 'all', name: 'bounded', schedule: {date: at('00:00:01'), repeat: {s: 1}}, timeout: MINUTE});

    const second = await h.createScheduler();

    for (const scheduler of [first, second]) {
      scheduler.addProcessor('bounded', (job, _done) => {
        running.push(job);
      });
    }

    const countRunning = async () => (await first.listJobs({taskName: 'bounded'})).jobs.filter((job) => job.state === 'RUNNING').length;

    // Time keeps passing while the instances go round (as real time would between their rounds).
    await h.clock.advance(5_000);
    await until(async () => {
      await h.clock.advance(20);

      return running.length >= 2;
    });

    // Another second: both instances go round many times, and three more slots are due, but none starts.
    for (let step = 0; step < 50; step++) {
      await h.clock.advance(20);
    }

    t.is(running.length, 2);
    t.is(await countRunning(), 2);

    await running[0]?.done();
    await until(async () => {
      await h.clock.advance(20);

      return running.length === 3;
    });
    t.is(await countRunning(), 2);
  });

  for (const [misfire, expected] of [
    ['once', [{scheduledFor: at('00:02:00'), slotCount: 3}]],
    ['all', [{scheduledFor: at('00:02:00'), slotCount: 1}, {scheduledFor: at('00:03:00'), slotCount: 1}, {scheduledFor: at('00:04:00'), slotCount: 1}]],
    ['skip', []],
  ] as const) {
    test(title(`after every instance stopped across slots, a restart follows misfire '${misfire}'`), async (t) => {
      const h = await createHarness(t, createStore);
      const before = await h.createScheduler();
      const ran: JobRecord[] = [];

      await before.schedule({misfire, name: 'nightly', schedule: '* * * * *', timeout: 5_000});
      before.addProcessor('nightly', async () => undefined);
      before.events.on('succeeded', ({job}) => {
        ran.push(job);
      });
      await h.clock.advance(MINUTE);
      await until(() => ran.length === 1);
      await before.terminate();

      // Down from 00:01:30 to 00:04:30 (misfireThreshold 20 s: every missed slot is too late for 'skip').
      await h.clock.advance(3.5 * MINUTE);

      const after = await h.createScheduler({misfireThreshold: 20_000});
      const afterRan: JobRecord[] = [];

      after.addProcessor('nightly', async () => undefined);
      after.events.on('succeeded', ({job}) => {
        afterRan.push(job);
      });
      after.trigger('nightly');
      await until(async () => afterRan.length === expected.length && (await after.getTask('nightly'))?.nextRunAt?.getTime() === Date.parse(at('00:05:00')));
      await h.clock.advance(1_000);

      t.deepEqual(afterRan.map((job) => ({scheduledFor: iso(job.scheduledFor), slotCount: job.slotCount})), [...expected]);

      await h.clock.advance(29_000);
      await until(() => afterRan.length === expected.length + 1);
      t.is(iso(afterRan.at(-1)?.scheduledFor ?? 0), at('00:05:00'), 'then the schedule goes on');
    });
  }

  test(title('a job claimed ahead of its time is given back when its instance terminates first, and another instance runs it at its time'), async (t) => {
    const h = await createHarness(t, createStore);
    const first = await h.createScheduler();
    const started: string[] = [];

    await first.schedule({name: 'handed-over', schedule: {date: at('00:01:00')}, timeout: 5_000});
    first.addProcessor('handed-over', async () => {
      started.push('first');
    });

    // 200 ms before its time the job is claimed (RUNNING, waiting for its timer here).
    await h.clock.advance(MINUTE - 200);
    await until(async () => (await first.listJobs({taskName: 'handed-over'})).jobs[0]?.state === 'RUNNING');
    await first.terminate();

    t.like((await first.listJobs({taskName: 'handed-over'})).jobs[0], {attempt: 0, state: 'SCHEDULED'});

    const second = await h.createScheduler();
    const events = recordSchedulerEvents(second);

    second.addProcessor('handed-over', async () => {
      started.push(`second at ${iso(h.clock.now())}`);
    });
    await h.clock.advance(200);
    await until(() => events.succeeded.length === 1);

    t.deepEqual(started, [`second at ${at('00:01:00')}`]);
    t.like(events.succeeded[0]?.job, {attempt: 1, startedAt: Date.parse(at('00:01:00'))});
  });

  test(title('a daily 02:30 job in Europe/Berlin runs once a day across both DST transitions'), async (t) => {
    const h = await createHarness(t, createStore, Date.parse('2026-03-27T12:00:00.000Z'));
    const scheduler = await h.createScheduler({pollInterval: 86_400_000});
    const ran: string[] = [];

    await scheduler.schedule({name: 'berlin', schedule: '30 2 * * *', timeout: 5_000, timezone: 'Europe/Berlin'});
    scheduler.addProcessor('berlin', async (job) => {
      ran.push(iso(job.scheduledFor));
    });

    const advanceDays = async (days: number) => {
      for (let day = 0; day < days; day++) {
        const expected = ran.length + 1;

        await h.clock.advance(86_400_000);
        await until(() => ran.length === expected);
      }
    };

    await advanceDays(3);
    t.deepEqual(ran, ['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
  });

  test(title('a task stored by one instance is shared: another instance sees it, processes it, and unschedule stops it'), async (t) => {
    const h = await createHarness(t, createStore);
    const owner = await h.createScheduler();

    await owner.schedule({name: 'shared-def', schedule: '* * * * *', timeout: 5_000});

    // The owner has no processor: it leaves due jobs to instances that have one for `noProcessorGrace`.
    const worker = await h.createScheduler();
    const events = recordSchedulerEvents(worker);

    worker.addProcessor('shared-def', async () => undefined);
    await h.clock.advance(MINUTE);
    await until(() => events.succeeded.length === 1);

    t.true(await owner.unschedule('shared-def'));
    t.false(await owner.unschedule('shared-def'));
    t.is(await owner.getTask('shared-def'), null);
  });

  test(title('a payload JSON cannot hold as given (bigint, circular, nested too deep, a function, NaN) is refused with INVALID_PAYLOAD, and nothing is stored'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const circular: Record<string, unknown> = {table: 'users'};
    let deep: unknown = {};

    circular.self = circular;

    for (let level = 0; level < 100_000; level++) {
      deep = [deep];
    }

    for (const [payload, message] of [
      [{ids: [1, 2n]}, /^Expected `payload` to be a JSON value, got `payload\.ids\[1\]`: a bigint\.$/u],
      [circular, /`payload\.self`: a circular reference/u],
      [deep, /nested deeper than 1000 levels/u],
      [{run: () => undefined}, /`payload\.run`: a function/u],
      [{ratio: Number.NaN}, /`payload\.ratio`: `NaN`/u],
    ] as const) {
      t.throws(() => scheduler.schedule({name: 'bad-payload', payload, schedule: '1m', timeout: 1_000}), {code: 'INVALID_PAYLOAD', message});
    }

    t.deepEqual(await scheduler.listTasks(), []);

    // What JSON holds as JSON.stringify writes it is fine: dates, undefined members, shared references, nesting up to the limit.
    const shared = {id: 1};
    let deepest: unknown = 'leaf';

    for (let level = 1; level < 1_000; level++) {
      deepest = [deepest];
    }

    const task = await scheduler.schedule({name: 'good-payload', payload: {a: shared, at: new Date(0), b: shared, deepest, skipped: undefined}, schedule: '1m', timeout: 1_000});

    t.deepEqual(JSON.parse(JSON.stringify(task.payload)), {a: {id: 1}, at: '1970-01-01T00:00:00.000Z', b: {id: 1}, deepest: JSON.parse(JSON.stringify(deepest))});
  });

  test(title('bad input gets a clear coded error'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();

    t.throws(() => scheduler.schedule({name: 'bad-cron', schedule: '61 * * * *', timeout: 1_000}), {code: 'INVALID_CRON_EXPRESSION', message: /minute field `61`/u});
    t.throws(() => scheduler.schedule({name: 'bad-unit', schedule: {date: at('00:01:00'), repeat: {fortnights: 1} as never}, timeout: 1_000}), {code: 'UNKNOWN_REPEAT_UNIT'});
    t.throws(() => scheduler.schedule({name: 'bad-timeout', schedule: '1m', timeout: -1}), {code: 'INVALID_TIMEOUT'});
    t.throws(() => scheduler.schedule({concurrency: 0, name: 'bad-concurrency', schedule: '1m', timeout: 1}), {code: 'INVALID_SCHEDULER_CONFIGURATION', message: /`concurrency`.*`0`/u});
    t.throws(() => scheduler.addProcessor('nope', async () => undefined), {code: 'UNKNOWN_TASK'});

    await scheduler.schedule({name: 'dup', schedule: '1m', timeout: 1_000});
    t.throws(() => scheduler.schedule({name: 'dup', schedule: '1m', timeout: 1_000}), {code: 'DUPLICATE_TASK_NAME'});
    scheduler.addProcessor('dup', async () => undefined);
    t.throws(() => scheduler.addProcessor('dup', async () => undefined), {code: 'DUPLICATE_TASK_NAME'});
    t.deepEqual((await scheduler.listTasks()).map((task) => task.name), ['dup']);
  });

  // Found by test/fuzz/schedulerTasks.test.ts: the memory store took these names, the PostgreSQL one failed with a driver's error.
  test(title('a task name no store can hold (NUL, a lone surrogate, over 1,000 bytes) is INVALID_SCHEDULER_CONFIGURATION; quotes and SQL are fine'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();

    for (const name of ['a\u0000b', 'a\uD800', 'é'.repeat(501)]) {
      t.throws(() => scheduler.schedule({name, schedule: '1m', timeout: 1_000}), {code: 'INVALID_SCHEDULER_CONFIGURATION', message: /`name`/u});
      t.is(await scheduler.getTask(name), null);
      t.false(await scheduler.unschedule(name));
    }

    const quoted = '\'; DROP TABLE scheduled_task; --"'.padEnd(1_000, 'x');

    await scheduler.schedule({name: quoted, schedule: '1m', timeout: 1_000});
    t.is((await scheduler.getTask(quoted))?.name, quoted);
    t.deepEqual((await scheduler.listTasks()).map((task) => task.name), [quoted]);
  });

  test(title('schedule with replace saves a task scheduled here again in place: an unchanged schedule keeps its pending job, a changed one starts afresh, a one-off job stays'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();

    await scheduler.schedule({name: 'report', schedule: '0 3 * * *', timeout: 1_000});

    const [slot] = (await scheduler.listJobs({taskName: 'report'})).jobs;
    const oneOff = await scheduler.runTask('report', {runAt: at('05:00:00')});
    const replaced = await scheduler.schedule({name: 'report', payload: 'v2', schedule: '0 3 * * *', timeout: 2_000}, {replace: true});

    t.like(replaced, {payload: 'v2', timeout: 2_000});
    t.deepEqual((await scheduler.listJobs({states: ['SCHEDULED'], taskName: 'report'})).jobs.map((job) => job.id).sort(), [slot?.id, oneOff.id].sort());

    await scheduler.schedule({name: 'report', schedule: '0 4 * * *', timeout: 2_000}, {replace: true});

    const pending = (await scheduler.listJobs({states: ['SCHEDULED'], taskName: 'report'})).jobs;

    t.false(pending.some((job) => job.id === slot?.id), 'the old slot job went');
    t.true(pending.some((job) => job.id === oneOff.id), 'the one-off job stayed');
    t.true(pending.some((job) => job.kind === 'SLOT' && job.scheduledFor === Date.parse(at('04:00:00'))));
    // A failed replacement leaves the task scheduled here: a second plain schedule is still a duplicate.
    t.throws(() => scheduler.schedule({name: 'report', schedule: '61 * * * *', timeout: 1_000}, {replace: true}), {code: 'INVALID_CRON_EXPRESSION'});
    t.throws(() => scheduler.schedule({name: 'report', schedule: '0 4 * * *', timeout: 1_000}), {code: 'DUPLICATE_TASK_NAME'});
    t.throws(() => scheduler.schedule({name: 'report', schedule: '0 4 * * *', timeout: 1_000}, {replace: 'yes' as never}), {code: 'INVALID_SCHEDULER_CONFIGURATION'});
  });

  test(title('a job due now whose processor is added right after schedule() runs in the round that follows, without the clock moving'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const ran: number[] = [];

    for (let index = 0; index < 5; index++) {
      const name = `now-${index}`;

      await scheduler.schedule({name, schedule: {date: at('00:00:00')}, timeout: 1_000});
      scheduler.addProcessor(name, () => {
        ran.push(index);
      });
      // No clock.advance: a round that claimed before the processor was known must not swallow the request it made.
      await until(() => ran.includes(index), 10_000);
    }

    t.deepEqual(ran, [0, 1, 2, 3, 4]);
  });
};
