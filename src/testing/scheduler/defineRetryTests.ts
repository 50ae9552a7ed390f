/** Retries: backoff, retry policies, jobs without a processor. */
import type {DefineSchedulerStoreTestsConfiguration, KitTest} from '../types.ts';
import {until} from '../until.ts';
import {createHarness, recordSchedulerEvents} from './createHarness.ts';
import {MINUTE, at, iso} from './helpers.ts';

export const defineRetryTests = (test: KitTest, title: (text: string) => string, createStore: DefineSchedulerStoreTestsConfiguration['createStore']): void => {
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
    t.true(/No processor for task `orphan`/u.test((events.failed[0]?.error as Error).message));
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
};
