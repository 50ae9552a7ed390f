/**
 * A processor added while a dispatcher round is in flight (a remote worker connecting to the hub at
 * any moment): its claim request is answered at once, not at the next full round.
 */
import test from 'ava';
import {createMemorySchedulerStore, type SchedulerStore} from '../../src/scheduler/index.ts';
import {createDeferred} from '../helpers/createManualClock.ts';
import {until} from '../helpers/until.ts';
import {createHarness, recordSchedulerEvents} from './helpers/createHarness.ts';

const START = Date.parse('2026-01-01T00:00:00.000Z');

for (const [stage, method] of [['claims', 'claimJobs'], ['postpones jobs without a processor', 'listDueJobs']] as const) {
  test(`a processor added while the round ${stage} gets its due job without waiting for the next full round`, async (t) => {
    const memory = createMemorySchedulerStore();
    const held = {gate: null as ReturnType<typeof createDeferred<void>> | null, entered: createDeferred<void>()};
    const store: SchedulerStore = {
      ...memory,
      [method]: async (input: never) => {
        const {gate} = held;

        if (gate !== null) {
          held.entered.resolve();
          await gate.promise;
        }

        return await (memory[method] as (input: never) => Promise<unknown>)(input);
      },
    };
    const h = await createHarness(t, async () => ({store}), START);
    const scheduler = await h.createScheduler({pollInterval: 60_000});
    const events = recordSchedulerEvents(scheduler);

    await scheduler.schedule({name: 'late-processor', schedule: {date: new Date(START)}, timeout: 10_000});
    held.gate = createDeferred<void>();
    scheduler.trigger('late-processor');
    await held.entered.promise;
    scheduler.addProcessor('late-processor', () => 'ran');
    held.gate.resolve();
    held.gate = null;
    // No clock movement: the poll (60 s) never comes.
    await until(() => events.succeeded.length === 1);
    t.like(events.succeeded[0], {job: {state: 'DONE', taskName: 'late-processor'}, result: 'ran'});
  });
}
