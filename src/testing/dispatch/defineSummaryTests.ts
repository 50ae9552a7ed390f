import type {DefineDispatchStoreTestsConfiguration, KitTest} from '../types.ts';
import {createDispatchHarness, DISPATCH_START} from './createDispatchHarness.ts';

/** `summarizeExecutions` (optional in the contract): what it counts after claims, ends and a reaper pass. */
export const defineSummaryTests = <Claim>(test: KitTest, title: (text: string) => string, createStore: DefineDispatchStoreTestsConfiguration<Claim>['createStore']): void => {
  test(title('summarizeExecutions counts per task the running executions, the ends since a time by state, the dead instructions and the reaper\'s terminations'), async (t) => {
    const {claim, clock, fixture, openStore, store} = await createDispatchHarness(t, createStore);
    const {summarizeExecutions} = store;

    if (summarizeExecutions === undefined) {
      t.is(store.summarizeExecutions, undefined);
      t.log('the store has no summarizeExecutions (optional in the contract): nothing else to check');

      return;
    }

    const crashed = await openStore();

    await fixture.addInstructions(['1', '2', '3', '4', '5']);
    await store.registerTask({maxAttempts: 1, maxExecutionDuration: 60_000, name: 'items'});
    await store.registerTask({name: 'quiet'});

    const claimed = await claim(store, {limit: 4, taskName: 'items'});
    const [first, second, third, alive] = claimed;

    t.is(claimed.length, 4);
    await store.completeExecutions([{executionId: first?.executionId ?? 0}, {executionId: second?.executionId ?? 0}]);
    await store.failExecution({executionId: third?.executionId ?? 0}, new Error('boom'));

    const [lost] = await claim(crashed, {limit: 1, taskName: 'items'});

    // The crashed store stops heartbeating; the other one heartbeats its running execution at +50 s.
    await crashed.terminate();
    await clock.advance(50_000);
    await store.heartbeat({executionId: alive?.executionId ?? 0});
    await clock.advance(11_000);
    t.deepEqual((await store.reap()).map((execution) => execution.executionId), [lost?.executionId]);

    const reapedAt = new Date(DISPATCH_START + 61_000);
    const summary = await summarizeExecutions({since: new Date(DISPATCH_START)});

    t.deepEqual(summary, {
      reaper: {
        recent: [{executionId: lost?.executionId, instruction: lost?.instruction, taskName: 'items', terminatedAt: reapedAt}],
        terminated: 1,
      },
      since: new Date(DISPATCH_START),
      tasks: [
        // maxAttempts 1: the failure and the termination each made their instruction dead.
        {completed: 2, dead: 2, failed: 1, lastTerminatedAt: reapedAt, running: 1, taskName: 'items', terminated: 1},
        {completed: 0, dead: 0, failed: 0, lastTerminatedAt: null, running: 0, taskName: 'quiet', terminated: 0},
      ],
    });

    const later = await summarizeExecutions({recentLimit: 0, since: new Date(DISPATCH_START + 61_001)});

    t.deepEqual(later.tasks[0], {completed: 0, dead: 2, failed: 0, lastTerminatedAt: reapedAt, running: 1, taskName: 'items', terminated: 0}, 'ends before `since` are not counted; running and dead are now');
    t.deepEqual(later.reaper, {recent: [], terminated: 0});
    await t.throwsAsync(summarizeExecutions({since: new Date(Number.NaN)}), {code: 'INVALID_STORE_CONFIGURATION'});
    await t.throwsAsync(summarizeExecutions({recentLimit: -1, since: new Date(DISPATCH_START)}), {code: 'INVALID_STORE_CONFIGURATION'});
  });
};
