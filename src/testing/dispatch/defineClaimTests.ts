import type {DispatchStore} from '../../adapters/types.ts';
import {until} from '../until.ts';
import type {DefineDispatchStoreTestsConfiguration, KitTest} from '../types.ts';
import {createDispatchHarness, sortedInstructions} from './createDispatchHarness.ts';

const STORES = 3;
const CONCURRENCY = 3;
const ROUNDS = 20;

/** Claiming: claim and record as one step, never twice, the concurrency across stores, hostile input as data. */
export const defineClaimTests = <Claim>(test: KitTest, title: (text: string) => string, createStore: DefineDispatchStoreTestsConfiguration<Claim>['createStore']): void => {
  test(title('claim and record are one step: a claim that returns more than its limit rejects with UNEXPECTED_CLAIM_RESULT and records nothing'), async (t) => {
    const {claim, fixture, store} = await createDispatchHarness(t, createStore);

    await fixture.addInstructions(['a', 'b', 'c', 'd', 'e']);
    await t.throwsAsync(store.claimExecutions({claim: fixture.claimEvery, limit: 2, taskName: 'items'}), {code: 'UNEXPECTED_CLAIM_RESULT'});
    t.deepEqual(await store.getActiveTaskInstructions('items', {signal: new AbortController().signal}), []);
    // Nothing is running, so everything is claimable (had the claim written anything, it was undone).
    t.deepEqual(sortedInstructions(await claim(store, {limit: 10, taskName: 'items'})), ['a', 'b', 'c', 'd', 'e']);
  });

  test(title('an instruction that is already running is never claimed a second time, even by a claim that returns it'), async (t) => {
    const {fixture, openStore, store} = await createDispatchHarness(t, createStore);
    const second = await openStore();

    await fixture.addInstructions(['1', '2', '3']);

    const claimed = await store.claimExecutions({claim: fixture.claimEvery, limit: 10, taskName: 'items'});

    t.deepEqual(sortedInstructions(claimed), ['1', '2', '3']);
    t.true(claimed.every((execution) => Number.isSafeInteger(execution.executionId) && execution.taskName === 'items'));
    t.is(new Set(claimed.map((execution) => execution.executionId)).size, 3, 'each execution has an id of its own');
    t.deepEqual(await second.claimExecutions({claim: fixture.claimEvery, limit: 10, taskName: 'items'}), []);
    t.deepEqual([...await second.getActiveTaskInstructions('items', {signal: new AbortController().signal})].sort(), ['1', '2', '3']);
    // Another task's executions are apart: the same instructions are claimable there.
    t.deepEqual(sortedInstructions(await second.claimExecutions({claim: fixture.claimEvery, limit: 10, taskName: 'other'})), ['1', '2', '3']);
  });

  test(title(`${STORES} stores claiming one task at once, round after round, never run more than its concurrency`), async (t) => {
    const {fixture, openStore, store} = await createDispatchHarness(t, createStore);
    const stores: Array<DispatchStore<string, Claim>> = [store];

    for (let index = 1; index < STORES; index++) {
      stores.push(await openStore());
    }

    await fixture.addInstructions(Array.from({length: 100}, (_value, index) => `item-${String(index).padStart(3, '0')}`));

    let claimedCount = 0;

    for (let round = 0; round < ROUNDS; round++) {
      // Each store does what an engine's round does: read the active instructions, claim what the
      // concurrency leaves. Nothing ends during the round, so what it claimed in all is RUNNING at its end.
      const claimed = await Promise.all(stores.map(async (each) => {
        const active = await each.getActiveTaskInstructions('items', {signal: new AbortController().signal});
        const limit = CONCURRENCY - active.length;

        return limit <= 0 ? [] : await each.claimExecutions({activeTaskInstructions: active, claim: fixture.claim, concurrency: CONCURRENCY, limit, taskName: 'items'});
      }));
      const running = claimed.flat();

      t.true(running.length <= CONCURRENCY, `round ${round}: ${running.length} RUNNING executions, more than the concurrency of ${CONCURRENCY}`);
      t.is(new Set(running.map((execution) => execution.instruction)).size, running.length, `round ${round}: an instruction claimed twice`);
      claimedCount += running.length;

      // The work ends: each store completes what it claimed, and the next round starts empty.
      const notRunning = await Promise.all(stores.map(async (each, index) => await each.completeExecutions(claimed[index] ?? [])));

      t.deepEqual(notRunning.flat(), []);
    }

    t.true(claimedCount >= ROUNDS, 'each round claims');
  });

  test(title('hostile task names and instructions (quotes, SQL, unicode) are data: claimed, listed, woken and ended unchanged'), async (t) => {
    const {claim, fixture, store} = await createDispatchHarness(t, createStore);
    const taskName = 'Robert\'); DROP TABLE maintenance_task;-- "ünïcødé" 🚀 \\ $1 $$ `x` %s';
    const instructions = ['\'; SELECT pg_sleep(10); --', '"double" \'single\'', 'ünïcødé 🚀 日本語', '$$ dollar $$ $1', 'back\\slash \\x00', ' ', '%s %d ?', '1'];
    const dead: unknown[] = [];
    const woken: string[] = [];

    store.events.on('dead', (event) => {
      dead.push(...event.instructions);
    });
    await store.registerTask({maxAttempts: 1, name: taskName});
    await fixture.addInstructions(instructions);

    const unsubscribe = await store.subscribe({onWake: (reason) => woken.push(reason), taskName});

    await store.notifyTask(taskName);
    await until(() => woken.length > 0);
    await unsubscribe();
    t.is(woken[0], 'NOTIFICATION');

    const claimed = await claim(store, {limit: 100, taskName});

    t.deepEqual(sortedInstructions(claimed), [...instructions].sort());
    t.true(claimed.every((execution) => execution.taskName === taskName));
    t.deepEqual([...await store.getActiveTaskInstructions(taskName, {signal: new AbortController().signal})].sort(), [...instructions].sort());

    for (const execution of claimed) {
      t.is(store.getClaimedExecutionId({instruction: execution.instruction, taskName}), execution.executionId);
      await store.failExecution({instruction: execution.instruction, taskName}, new Error(execution.instruction));
    }

    // The failed attempts were recorded for these very names: each instruction is dead, with its own error.
    t.deepEqual(dead.map((entry) => (entry as {readonly instruction: string}).instruction).sort(), [...instructions].sort());
    t.true(dead.every((entry) => {
      const {error, instruction, taskName: deadTaskName} = entry as {readonly error: {readonly message?: unknown}; readonly instruction: string; readonly taskName: string};

      return deadTaskName === taskName && error.message === instruction;
    }));
    t.deepEqual(await store.getActiveTaskInstructions(taskName, {signal: new AbortController().signal}), []);
  });
};
