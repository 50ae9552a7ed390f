/**
 * `runTask` for later asks for no dispatcher round (two more statements per created job, the HTTP
 * API's `POST /v1/tasks/:name/jobs`) when a full round reads the wake times before the job is due;
 * the job still runs at its time. A job due now asks for one.
 */
import test from 'ava';
import {createMemorySchedulerStore, type SchedulerStore} from '../../src/scheduler/index.ts';
import {until} from '../helpers/until.ts';
import {createHarness, recordSchedulerEvents} from './helpers/createHarness.ts';

const START = Date.parse('2026-01-01T00:00:00.000Z');
const POLL = 5_000;

const turns = async (count: number) => {
  for (let turn = 0; turn < count; turn++) {
    await new Promise((resolve) => {
      setImmediate(resolve);
    });
  }
};

test('a job created for later than the next full round costs no round now and runs at its time; one due now is claimed at once', async (t) => {
  const memory = createMemorySchedulerStore();
  let claims = 0;
  const store: SchedulerStore = {
    ...memory,
    claimJobs: async (input) => {
      claims++;

      return await memory.claimJobs(input);
    },
  };
  const h = await createHarness(t, async () => ({store}), START);
  const scheduler = await h.createScheduler({pollInterval: POLL});
  const events = recordSchedulerEvents(scheduler);

  await scheduler.schedule({name: 'ahead', schedule: {date: new Date(START + 3_600_000)}, timeout: 10_000});
  scheduler.addProcessor('ahead', (job) => job.payload);
  // The rounds that schedule() and addProcessor() asked for.
  await until(() => claims > 0);
  await turns(50);

  const before = claims;
  const later = await scheduler.runTask('ahead', {payload: 'later', runAt: new Date(START + 60_000)});

  await turns(50);
  t.is(claims, before);

  await scheduler.runTask('ahead', {payload: 'now'});
  await until(() => events.succeeded.length === 1);
  t.true(claims > before);
  t.deepEqual(events.succeeded.map(({result}) => result), ['now']);

  for (let at = h.clock.now() + POLL; at <= START + 60_000; at += POLL) {
    await h.clock.advance(at - h.clock.now());
  }

  await until(() => events.succeeded.length === 2);
  t.like(events.succeeded[1], {job: {id: later.id, startedAt: START + 60_000}, result: 'later'});
});
