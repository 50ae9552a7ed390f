/** The memory scheduler store's own tests; the scheduler store kit runs on it in test/testing/memorySchedulerStore.test.ts. */
import test from 'ava';
import {createMemorySchedulerStore} from '../../src/scheduler/index.ts';
import {flush} from '../helpers/createManualClock.ts';
import {until} from '../helpers/until.ts';
import {createHarness, recordSchedulerEvents} from './helpers/createHarness.ts';

test('memory: a terminated scheduler leaves no timer of its clock armed (job timeouts included)', async (t) => {
  const h = await createHarness(t, async () => ({store: createMemorySchedulerStore()}), Date.parse('2026-01-01T00:00:00.000Z'));
  const scheduler = await h.createScheduler();
  const events = recordSchedulerEvents(scheduler);

  await scheduler.schedule({name: 'every-10s', schedule: '10s', timeout: 5_000});
  scheduler.addProcessor('every-10s', async () => {
    // Ends at once: its timeout is cancelled, and the timeouts' timer stays armed for the next job.
  });
  await h.clock.advance(10_000);
  await until(() => events.succeeded.length === 1);
  await scheduler.terminate();
  await flush();

  t.is(h.clock.pendingTimers(), 0);
});

test('memory: a job still running at terminate, which ends on its abort, leaves no timer armed either', async (t) => {
  const h = await createHarness(t, async () => ({store: createMemorySchedulerStore()}), Date.parse('2026-01-01T00:00:00.000Z'));
  const scheduler = await h.createScheduler({terminateTimeout: 0});
  let started = false;

  await scheduler.schedule({name: 'slow', schedule: '10s', timeout: 60_000});
  scheduler.addProcessor('slow', async (job) => {
    started = true;
    await new Promise<void>((resolve) => {
      job.signal.addEventListener('abort', () => {
        resolve();
      }, {once: true});
    });
  });
  await h.clock.advance(10_000);
  await until(() => started);
  await scheduler.terminate();
  // The job ends a few turns after terminate (its processor resolves on the abort); the clock never moves.
  await until(() => h.clock.pendingTimers() === 0, 5_000);
  t.is(h.clock.pendingTimers(), 0, 'disarmed once the aborted job ended, not at its 60 s timeout');
});
