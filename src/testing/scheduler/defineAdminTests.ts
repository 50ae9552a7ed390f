/** Administration: pause and resume, one-off runs, pages of the job history. */
import type {JobRecord} from '../../scheduler/index.ts';
import type {DefineSchedulerStoreTestsConfiguration, KitTest} from '../types.ts';
import {until} from '../until.ts';
import {createHarness, recordSchedulerEvents} from './createHarness.ts';
import {FAR, MINUTE, at, iso, listAll, rejects} from './helpers.ts';

export const defineAdminTests = (test: KitTest, title: (text: string) => string, createStore: DefineSchedulerStoreTestsConfiguration['createStore']): void => {
  test(title('a paused task makes and claims no jobs in any instance, its running job ends, schedule() keeps it paused, and resume runs the missed slots as its misfire policy says'), async (t) => {
    const h = await createHarness(t, createStore);
    const operator = await h.createScheduler();

    await operator.schedule({name: 'tick', schedule: '10s', timeout: MINUTE});

    const worker = await h.createScheduler();
    const events = recordSchedulerEvents(worker);
    let release: () => void = () => undefined;
    const started: string[] = [];

    worker.addProcessor('tick', async (job) => {
      started.push(iso(job.scheduledFor));

      if (started.length === 1) {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }
    });

    await h.clock.advance(10_000);
    await until(() => started.length === 1);

    // Paused by the other instance while the 00:00:10 job runs: it runs on to its end.
    t.like(await operator.pauseTask('tick'), {name: 'tick', paused: true});
    t.like(await operator.pauseTask('tick'), {paused: true}, 'pausing twice is no error');
    release();
    await until(() => events.succeeded.length === 1);

    const before = (await worker.listJobs({taskName: 'tick'})).jobs.length;

    for (let step = 0; step < 6; step++) {
      await h.clock.advance(10_000);
    }

    t.deepEqual(started, [at('00:00:10')], 'nothing claimed while paused');
    t.true((await worker.listJobs({states: ['RUNNING', 'DONE'], taskName: 'tick'})).jobs.length === 1);
    t.is((await worker.listJobs({taskName: 'tick'})).jobs.length, before, 'no job made for the slots while paused');

    // An application that schedules its tasks at start does not resume what an operator paused.
    t.like(await worker.schedule({name: 'tick', schedule: '10s', timeout: MINUTE}), {paused: true});
    t.like(await worker.getTask('tick'), {paused: true});
    t.deepEqual((await worker.listTasks()).map((task) => task.paused), [true]);

    // Resumed by the instance with the processor, which claims at once (another one would after its next poll).
    t.like(await worker.resumeTask('tick'), {paused: false});
    // Misfire 'once': the job made ahead for 00:00:20, never started, now stands for every slot missed since.
    await until(() => events.succeeded.length === 2);
    t.deepEqual(started, [at('00:00:10'), at('00:00:20')]);
    t.like(events.succeeded[1]?.job, {slotCount: 6, startedAt: h.clock.now()});

    await h.clock.advance(10_000);
    await until(() => started.includes(at('00:01:20')));
    t.deepEqual(events.error, []);
    await t.throwsAsync(operator.pauseTask('nope'), {code: 'UNKNOWN_TASK'});
    await t.throwsAsync(operator.resumeTask(''), {code: 'INVALID_ARGUMENT'});
  });

  test(title('a name no task can have (NUL, a lone surrogate) is UNKNOWN_TASK to pause, resume and runTask, and has no jobs to list, count or prune'), async (t) => {
    const scheduler = await (await createHarness(t, createStore)).createScheduler();

    for (const taskName of ['a\u0000', '\uD800']) {
      await rejects(t, scheduler.pauseTask(taskName), {code: 'UNKNOWN_TASK'});
      await rejects(t, scheduler.resumeTask(taskName), {code: 'UNKNOWN_TASK'});
      await rejects(t, scheduler.runTask(taskName), {code: 'UNKNOWN_TASK'});
      t.deepEqual(await scheduler.listJobs({taskName}), {jobs: [], nextCursor: null});
      t.deepEqual(await scheduler.countJobs({taskName}), {});
      t.is(await scheduler.pruneJobs({olderThan: FAR, taskName}), 0);
    }
  });

  test(title('the store claims, plans and wakes for no job of a paused task'), async (t) => {
    const {store} = await createHarness(t, createStore);
    const now = Date.parse(at('00:00:00'));
    const taskNames = ['paused'];

    await store.saveTask({now, task: {concurrency: 1, misfire: 'once', name: 'paused', payload: null, retry: {attempts: 1, backoff: null}, schedule: {every: 1_000, kind: 'INTERVAL'}, timeout: MINUTE}});
    await store.createJob({now, runAt: now, taskName: 'paused'});
    await store.createJob({now, runAt: now + MINUTE, taskName: 'paused'});
    t.like(await store.setTaskPaused({name: 'paused', now, paused: true}), {name: 'paused', paused: true});

    t.deepEqual(await store.claimJobs({claimUntil: now, limit: 10, now, taskNames, worker: 'w'}), []);
    t.deepEqual(await store.listDueJobs({limit: 10, now, taskNames}), []);
    t.deepEqual(await store.materializeJobs({now, plan: () => {
      throw new Error('a paused task is not planned');
    }, taskNames, until: now + MINUTE}), []);
    t.deepEqual(await store.getWakeTimes({claimableTaskNames: taskNames, claimUntil: now, leaseAfter: now, taskNames, unprocessedAfter: now - 1, unprocessedTaskNames: taskNames}), {
      blocked: false,
      claimAt: null,
      leaseUntil: null,
      nextRunAt: null,
      unprocessedRunAt: null,
    });

    t.like(await store.setTaskPaused({name: 'paused', now: now + 1, paused: false}), {paused: false});
    // Resumed, the job that fell due while paused is due from then; the later one keeps its time.
    t.deepEqual((await store.claimJobs({claimUntil: now + 1, limit: 10, now: now + 1, taskNames, worker: 'w'})).map((job) => job.runAt), [now + 1]);
    t.is(await store.setTaskPaused({name: 'missing', now, paused: true}), null);
  });

  test(title('runTask makes one-off jobs apart from the slots: at a slot\'s very time, twice at once, with its own payload or the task\'s, under the task\'s retry policy'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();
    const events = recordSchedulerEvents(scheduler);
    const ran: Array<{readonly attempt: number; readonly kind: string; readonly payload: unknown}> = [];
    let failFirst = true;

    await scheduler.schedule({name: 'minutely', payload: {from: 'task'}, retry: {attempts: 2, backoff: {delay: 1_000, type: 'fixed'}}, schedule: '* * * * *', timeout: 10_000});
    scheduler.addProcessor('minutely', async (job) => {
      const record = await scheduler.getJob(job.id);

      ran.push({attempt: job.attempt, kind: record?.kind ?? '', payload: job.payload});

      if (record?.kind === 'ONE_OFF' && failFirst) {
        failFirst = false;
        throw new Error('first attempt fails');
      }
    });

    const first = await scheduler.runTask('minutely', {payload: {from: 'caller'}, runAt: new Date(at('00:01:00'))});
    const second = await scheduler.runTask('minutely', {runAt: at('00:01:00')});

    t.like(first, {attempt: 0, kind: 'ONE_OFF', payload: {from: 'caller'}, slotCount: 1, state: 'SCHEDULED', taskName: 'minutely'});
    t.is(iso(first.runAt), at('00:01:00'));
    t.is(first.scheduledFor, first.runAt);
    t.like(second, {kind: 'ONE_OFF', payload: {from: 'task'}});

    const atSlot = (await scheduler.listJobs({from: at('00:01:00'), taskName: 'minutely', to: at('00:01:01')})).jobs;

    t.deepEqual(atSlot.map((job) => job.kind).sort(), ['ONE_OFF', 'ONE_OFF', 'SLOT'], 'the slot keeps its one job, the one-off jobs stand beside it');

    await h.clock.advance(MINUTE);
    await until(() => events.succeeded.length === 2 && events.retry.length === 1);
    // The failed one-off is retried as the task says (2 attempts, 1 s apart).
    await h.clock.advance(1_000);
    await until(() => events.succeeded.length === 3);

    t.deepEqual(ran.filter((run) => run.kind === 'SLOT').map((run) => run.payload), [{from: 'task'}]);
    t.deepEqual(ran.filter((run) => run.kind === 'ONE_OFF').map((run) => run.attempt).sort(), [1, 1, 2]);
    t.like(await scheduler.getJob(first.id), {state: 'DONE'});
    t.like(await scheduler.getJob(second.id), {state: 'DONE'});

    // Default runAt: now. A task saved with another schedule keeps its pending one-off jobs.
    const now = await scheduler.runTask('minutely');

    t.is(now.runAt, h.clock.now());
    scheduler.removeProcessor('minutely');

    const later = await scheduler.runTask('minutely', {runAt: at('01:00:00')});

    await h.store.saveTask({now: h.clock.now(), task: {concurrency: 1, misfire: 'once', name: 'minutely', payload: null, retry: {attempts: 1, backoff: null}, schedule: {every: 5_000, kind: 'INTERVAL'}, timeout: 1_000}});
    t.like(await scheduler.getJob(later.id), {kind: 'ONE_OFF', state: 'SCHEDULED'});

    await t.throwsAsync(scheduler.runTask('nope'), {code: 'UNKNOWN_TASK'});
    await rejects(t, scheduler.runTask('minutely', {runAt: 'soon'}), {code: 'INVALID_DATE', option: 'runAt'});
    await rejects(t, scheduler.runTask('minutely', {payload: {big: 1n}}), {code: 'INVALID_PAYLOAD', path: 'payload.big'});
    t.deepEqual(events.error, []);
  });

  test(title('listJobs pages newest first by keyset, stable while jobs are added, filtered by task, states and time'), async (t) => {
    const h = await createHarness(t, createStore);
    const scheduler = await h.createScheduler();

    await scheduler.schedule({name: 'a', schedule: {date: FAR}, timeout: 1_000});
    await scheduler.schedule({name: 'b', schedule: {date: FAR}, timeout: 1_000});

    const made: JobRecord[] = [];

    // Seven jobs of `a` and three of `b`, two of them at the same instant, two of `a` canceled.
    for (const [task, minute] of [['a', 10], ['a', 11], ['b', 11], ['a', 12], ['a', 12], ['b', 13], ['a', 14], ['a', 15], ['b', 16], ['a', 17]] as const) {
      made.push(await scheduler.runTask(task, {runAt: at(`00:${minute}:00`)}));
    }

    await scheduler.cancel(made[1]?.id ?? 0);
    await scheduler.cancel(made[4]?.id ?? 0);

    const slots = (await scheduler.listJobs({states: ['SCHEDULED'], to: '2027-01-02T00:00:00Z'})).jobs.filter((job) => job.kind === 'SLOT');

    t.is(slots.length, 2, 'each one-shot has its job');

    const all = (await scheduler.listJobs({limit: 500})).jobs;

    t.deepEqual(all.map((job) => job.id), [...all].sort((x, y) => y.scheduledFor - x.scheduledFor || y.id - x.id).map((job) => job.id), 'newest first, then highest id');
    t.is(all.length, 12);
    t.is((await scheduler.listJobs()).jobs.length, 12, 'the default page (50) holds them all');

    const pages = await listAll(scheduler, {limit: 3, taskName: 'a'});

    t.deepEqual(pages.map((page) => page.length), [3, 3, 2]);
    t.deepEqual(pages.flat().map((job) => job.id), all.filter((job) => job.taskName === 'a').map((job) => job.id));

    // Between two pages, newer jobs and one at the cursor's very instant come: the next page neither repeats nor skips.
    const firstPage = await scheduler.listJobs({limit: 4, taskName: 'a'});
    const cursorJob = firstPage.jobs.at(-1);

    await scheduler.runTask('a', {runAt: at('00:30:00')});
    await scheduler.runTask('a', {runAt: cursorJob?.scheduledFor ?? 0});

    const rest = await listAll(scheduler, {after: firstPage.nextCursor, limit: 2, taskName: 'a'});

    t.deepEqual([...firstPage.jobs, ...rest.flat()].map((job) => job.id), all.filter((job) => job.taskName === 'a').map((job) => job.id));

    t.deepEqual((await scheduler.listJobs({states: ['CANCELED']})).jobs.map((job) => job.id).sort(), [made[1]?.id, made[4]?.id].sort());
    t.deepEqual((await scheduler.listJobs({from: at('00:12:00'), states: ['SCHEDULED'], taskName: 'a', to: new Date(at('00:15:00'))})).jobs.map((job) => iso(job.scheduledFor)), [
      at('00:14:00'),
      at('00:14:00'),
      at('00:12:00'),
    ]);
    t.deepEqual((await scheduler.listJobs({states: []})).jobs, []);
    t.deepEqual(await scheduler.listJobs({taskName: 'none'}), {jobs: [], nextCursor: null});

    await rejects(t, scheduler.listJobs({limit: 501}), {code: 'INVALID_ARGUMENT', option: 'limit'});
    await rejects(t, scheduler.listJobs({limit: 0}), {code: 'INVALID_ARGUMENT', option: 'limit'});
    await rejects(t, scheduler.listJobs({after: 'not a cursor'}), {code: 'INVALID_ARGUMENT', option: 'after'});
    await rejects(t, scheduler.listJobs({after: Buffer.from('{"a":1}').toString('base64url')}), {code: 'INVALID_ARGUMENT', option: 'after'});
    await rejects(t, scheduler.listJobs({states: ['LOST' as never]}), {code: 'INVALID_ARGUMENT', option: 'states'});
    await rejects(t, scheduler.listJobs({from: 'yesterday'}), {code: 'INVALID_DATE', option: 'from'});
  });
};
