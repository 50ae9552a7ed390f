/**
 * A job that ends while a dispatcher round claims or reads its wake times frees a concurrency slot
 * the round's claim may not have seen: the job waiting for that slot is claimed at once, not at the
 * next full round (found as a server route test that waited for the poll on a manual clock).
 */
import test from 'ava';
import {createMemorySchedulerStore, type SchedulerStore} from '../../src/scheduler/index.ts';
import {createDeferred} from '../helpers/createManualClock.ts';
import {until} from '../helpers/until.ts';
import {createHarness, recordSchedulerEvents} from './helpers/createHarness.ts';

const START = Date.parse('2026-01-01T00:00:00.000Z');

test('a job that ends during the round that left a due job waiting for its slot gets that job claimed without waiting for the next full round', async (t) => {
  const memory = createMemorySchedulerStore();
  const firstEnded = createDeferred<void>();
  let succeeded = 0;
  const firstRunning = createDeferred<void>();
  const releaseFirst = createDeferred<void>();
  /** Set for one wake-times read: the running job ends (written and seen by the dispatcher) before the read. */
  let endFirstBeforeRead = false;
  const store: SchedulerStore = {
    ...memory,
    finishJobs: async (input) => {
      const finished = await memory.finishJobs(input);

      firstEnded.resolve();

      return finished;
    },
    getWakeTimes: async (input) => {
      if (endFirstBeforeRead) {
        endFirstBeforeRead = false;
        releaseFirst.resolve();
        await firstEnded.promise;
        // The dispatcher has seen the end (its `succeeded` event comes just before): with the wake
        // times of the round before, which knew of no waiting job.
        await until(() => succeeded === 1);
        await new Promise((resolve) => {
          setImmediate(resolve);
        });
      }

      return await memory.getWakeTimes(input);
    },
  };
  const h = await createHarness(t, async () => ({store}), START);
  const scheduler = await h.createScheduler({pollInterval: 60_000});
  const events = recordSchedulerEvents(scheduler);

  scheduler.events.on('succeeded', () => {
    succeeded++;
  });
  const runs: string[] = [];

  await scheduler.schedule({concurrency: 1, name: 'one-at-a-time', schedule: {date: new Date(START + 3_600_000)}, timeout: 10_000});
  scheduler.addProcessor('one-at-a-time', async (job) => {
    runs.push(String(job.payload));

    if (job.payload === 'first') {
      firstRunning.resolve();
      await releaseFirst.promise;
    }
  });

  await scheduler.runTask('one-at-a-time', {payload: 'first'});
  await firstRunning.promise;
  // The round this run asks for finds the slot taken; the first job ends before it reads its wake times.
  endFirstBeforeRead = true;
  await scheduler.runTask('one-at-a-time', {payload: 'second'});
  // No clock movement: the poll (60 s) never comes.
  await until(() => events.succeeded.length === 2, 10_000);
  t.deepEqual(runs, ['first', 'second']);
  t.false(endFirstBeforeRead);
});
