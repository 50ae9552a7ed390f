/** Several scheduler instances on one store: one job per slot, concurrency across instances, misfire after a stop, hand-over, lease fencing of a late finish. */
import {type Job, type JobRecord, parseSchedule} from '../../scheduler/index.ts';
import type {DefineSchedulerStoreTestsConfiguration, KitTest} from '../types.ts';
import {until} from '../until.ts';
import {createHarness, recordSchedulerEvents} from './createHarness.ts';
import {MINUTE, at, iso} from './helpers.ts';

export const defineInstanceTests = (test: KitTest, title: (text: string) => string, createStore: DefineSchedulerStoreTestsConfiguration['createStore']): void => {
  test(title('three scheduler instances on one store create exactly one job per slot and run it once'), async (t) => {
    const h = await createHarness(t, createStore);
    const first = await h.createScheduler();
    const instances = [first, await h.createScheduler(), await h.createScheduler()];
    const ran: number[] = [];
    const succeeded: JobRecord[] = [];
    const done = () => succeeded.length;

    for (const scheduler of instances) {
      await scheduler.schedule({name: 'shared', schedule: '*/10 * * * * *', timeout: 5_000});
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
    t.is(new Set(jobs.map((job) => job.scheduledFor)).size, jobs.length, 'no slot has two jobs');
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
    t.like((await store.finishJobs([{attempt: 1, id, leaseEndedBy: later + MINUTE, now: later + MINUTE, outcome: {state: 'DONE'}}]))[0], {state: 'DONE'});
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
};
