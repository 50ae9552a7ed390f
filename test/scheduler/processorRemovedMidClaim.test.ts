/**
 * A processor removed while the dispatcher claims its task's job (a remote worker disconnecting at any
 * moment): the job is given back unstarted, its attempt not spent, and runs once a processor is there.
 */
import test from 'ava';
import {createMemorySchedulerStore, type SchedulerStore} from '../../src/scheduler/index.ts';
import {createDeferred} from '../helpers/createManualClock.ts';
import {until} from '../helpers/until.ts';
import {createHarness, recordSchedulerEvents} from './helpers/createHarness.ts';

const START = Date.parse('2026-01-01T00:00:00.000Z');

test('a job claimed while its processor is removed goes back to SCHEDULED with its attempt unspent, and runs when a processor is added again', async (t) => {
  const memory = createMemorySchedulerStore();
  const held = {entered: createDeferred<void>(), gate: null as ReturnType<typeof createDeferred<void>> | null};
  const released = createDeferred<readonly number[]>();
  const store: SchedulerStore = {
    ...memory,
    claimJobs: async (input) => {
      const {gate} = held;

      if (gate !== null && input.taskNames.includes('leaving')) {
        held.entered.resolve();
        await gate.promise;
      }

      return await memory.claimJobs(input);
    },
    releaseJobs: async (input) => {
      await memory.releaseJobs(input);
      released.resolve(input.map(({id}) => id));
    },
  };
  const h = await createHarness(t, async () => ({store}), START);
  const scheduler = await h.createScheduler({pollInterval: 60_000});
  const events = recordSchedulerEvents(scheduler);
  const attempts: number[] = [];

  await scheduler.schedule({name: 'leaving', retry: {attempts: 1}, schedule: {date: new Date(START + 3_600_000)}, timeout: 10_000});
  scheduler.addProcessor('leaving', (job) => {
    attempts.push(job.attempt);
  });
  held.gate = createDeferred<void>();

  const job = await scheduler.runTask('leaving');

  await held.entered.promise;
  scheduler.removeProcessor('leaving');
  held.gate.resolve();
  held.gate = null;

  t.deepEqual(await released.promise, [job.id]);
  t.like(await scheduler.getJob(job.id), {attempt: 0, error: null, state: 'SCHEDULED'});
  t.deepEqual(events.failed, []);
  t.deepEqual(attempts, []);

  scheduler.addProcessor('leaving', (running) => {
    attempts.push(running.attempt);
  });
  await until(() => events.succeeded.length === 1);
  t.deepEqual(attempts, [1]);
  t.like(await scheduler.getJob(job.id), {attempt: 1, state: 'DONE'});
});
