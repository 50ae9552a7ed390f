import type {DeadInstruction} from '../../adapters/types.ts';
import {calculateBackoffDelay} from '../../planton/calculateBackoffDelay.ts';
import type {DefineDispatchStoreTestsConfiguration, KitTest} from '../types.ts';
import {createDispatchHarness, sortedInstructions} from './createDispatchHarness.ts';

/** Crashes and failures: the reaper, the backoff between attempts, dead instructions, the task's settings. */
export const defineRecoveryTests = <Claim>(test: KitTest, title: (text: string) => string, createStore: DefineDispatchStoreTestsConfiguration<Claim>['createStore']): void => {
  test(title('after a crash, the reaper terminates the executions whose heartbeat stopped, spares those heartbeaten, and they are claimed again after the retry delay'), async (t) => {
    const {claim, clock, fixture, openStore, store: reaper} = await createDispatchHarness(t, createStore);
    const crashed = await openStore();
    const alive = await openStore();
    const reaped: string[] = [];

    reaper.events.on('reaped', ({executions}) => {
      reaped.push(...executions.map((execution) => execution.instruction));
    });
    await fixture.addInstructions(['1', '2', '3', '4']);
    await reaper.registerTask({maxExecutionDuration: 60_000, name: 'items'});

    const claimedByCrashed = await claim(crashed, {limit: 2, taskName: 'items'});
    const claimedByAlive = await claim(alive, {limit: 2, taskName: 'items'});

    // The crashed store stops heartbeating (its process is gone); the alive one heartbeats at +50 s.
    await crashed.terminate();
    await clock.advance(50_000);

    for (const execution of claimedByAlive) {
      await alive.heartbeat(execution);
    }

    t.deepEqual(await reaper.reap(), [], 'nothing is older than 60 s yet');
    await clock.advance(11_000);

    const terminated = await reaper.reap();

    t.deepEqual(sortedInstructions(terminated), sortedInstructions(claimedByCrashed));
    t.deepEqual(reaped.sort(), sortedInstructions(claimedByCrashed), 'reaped is emitted with them');
    t.deepEqual(await reaper.reap(), [], 'a second pass finds nothing');
    t.deepEqual([...await reaper.getActiveTaskInstructions('items', {signal: new AbortController().signal})].sort(), sortedInstructions(claimedByAlive));
    await t.throwsAsync(reaper.completeExecution({executionId: terminated[0]?.executionId ?? 0}), {code: 'EXECUTION_NOT_RUNNING'});

    // A termination is a failed attempt: the instructions wait out the first retry delay (1 s).
    t.deepEqual(await claim(reaper, {limit: 10, taskName: 'items'}), []);
    await clock.advance(1_000);
    t.deepEqual(sortedInstructions(await claim(reaper, {limit: 10, taskName: 'items'})), sortedInstructions(claimedByCrashed));
  });

  test(title('the reaper counts a termination as a failed attempt, and the store whose end made the instruction dead alone emits dead'), async (t) => {
    const {claim, clock, fixture, openStore, store: reaper} = await createDispatchHarness(t, createStore);
    const claimer = await openStore();
    const bystander = await openStore();
    const deadByStore = {bystander: 0, claimer: 0, reaper: 0};
    const dead: Array<DeadInstruction<string>> = [];

    claimer.events.on('dead', () => {
      deadByStore.claimer++;
    });
    reaper.events.on('dead', ({instructions}) => {
      deadByStore.reaper += instructions.length;
      dead.push(...instructions);
    });
    bystander.events.on('dead', () => {
      deadByStore.bystander++;
    });
    await fixture.addInstructions(['1', '2']);
    await reaper.registerTask({maxAttempts: 1, maxExecutionDuration: 60_000, name: 'items'});
    await claim(claimer, {limit: 2, taskName: 'items'});
    await claimer.terminate();
    await clock.advance(61_000);

    t.is((await reaper.reap()).length, 2);
    t.deepEqual(deadByStore, {bystander: 0, claimer: 0, reaper: 2});
    t.like(dead[0], {attempts: 1, error: {code: 'EXECUTION_TERMINATED'}, taskName: 'items'});
    await clock.advance(86_400_000);
    t.deepEqual(await claim(reaper, {limit: 10, taskName: 'items'}), [], 'dead: never claimed again');
  });

  test(title('the wait after failed attempt n is calculateBackoffDelay\'s, to the millisecond, and the instruction is dead after maxAttempts'), async (t) => {
    const {claim, clock, fixture, store} = await createDispatchHarness(t, createStore);
    const policy = {initialDelay: 250, maxAttempts: 7, maxDelay: 5_000};
    const dead: Array<DeadInstruction<string>> = [];

    store.events.on('dead', ({instructions}) => {
      dead.push(...instructions);
    });
    await fixture.addInstructions(['poison', 'fine']);
    await store.registerTask({maxAttempts: policy.maxAttempts, maxRetryDelay: policy.maxDelay, name: 'items', retryDelay: policy.initialDelay});
    // The other instruction runs for the whole test: a poison instruction does not hold it up.
    t.deepEqual(sortedInstructions(await claim(store, {limit: 2, taskName: 'items'})), ['fine', 'poison']);
    await store.completeExecution({instruction: 'poison', taskName: 'items'});
    t.deepEqual(sortedInstructions(await claim(store, {limit: 1, taskName: 'items'})), ['poison'], 'a completion leaves no wait');

    for (let attempt = 1; attempt < policy.maxAttempts; attempt++) {
      await store.failExecutions([{error: new Error(`attempt ${attempt}`), reference: {instruction: 'poison', taskName: 'items'}}]);

      const delay = calculateBackoffDelay({attempt: attempt - 1, ...policy});

      await clock.advance(delay - 1);
      t.deepEqual(await claim(store, {limit: 1, taskName: 'items'}), [], `1 ms before the wait of ${delay} ms after attempt ${attempt}`);
      await clock.advance(1);
      t.deepEqual(sortedInstructions(await claim(store, {limit: 1, taskName: 'items'})), ['poison'], `attempt ${attempt + 1} after ${delay} ms`);
    }

    t.deepEqual(dead, []);
    await store.failExecution({instruction: 'poison', taskName: 'items'}, new Error('last'));
    t.is(dead.length, 1, 'dead is emitted once');
    t.like(dead[0], {attempts: policy.maxAttempts, error: {message: 'last'}, instruction: 'poison', taskName: 'items'});
    await clock.advance(86_400_000);
    t.deepEqual(await claim(store, {limit: 1, taskName: 'items'}), [], 'dead: never claimed again');
    t.deepEqual(await store.getActiveTaskInstructions('items', {signal: new AbortController().signal}), ['fine']);
  });

  test(title('a completion forgets the failed attempts: the count starts again from attempt 1'), async (t) => {
    const {claim, clock, fixture, store} = await createDispatchHarness(t, createStore);
    const dead: unknown[] = [];

    store.events.on('dead', ({instructions}) => {
      dead.push(...instructions);
    });
    await fixture.addInstructions(['1']);
    await store.registerTask({maxAttempts: 3, name: 'items'});

    const failTwice = async () => {
      for (let attempt = 1; attempt <= 2; attempt++) {
        const [execution] = await claim(store, {limit: 1, taskName: 'items'});

        t.truthy(execution, `attempt ${attempt} is claimed`);
        await store.failExecution({instruction: '1', taskName: 'items'}, new Error('transient'));
        await clock.advance(60_000);
      }
    };

    await failTwice();

    const [completed] = await claim(store, {limit: 1, taskName: 'items'});

    t.truthy(completed);
    await store.completeExecutions([{instruction: '1', taskName: 'items'}]);
    // Two more failures: with the count kept, the second would be the third attempt, and dead.
    await failTwice();
    t.deepEqual(dead, []);
    t.is((await claim(store, {limit: 1, taskName: 'items'})).length, 1);
  });

  test(title('registerTask writes a task\'s settings only when it is new: maxConcurrentExecutionCount overrides the concurrency in code; bad settings are INVALID_STORE_CONFIGURATION'), async (t) => {
    const {store} = await createDispatchHarness(t, createStore);

    t.is(await store.getTaskConcurrency({concurrency: 7, taskName: 'unknown'}), 7);
    await store.registerTask({name: 'plain'});
    t.is(await store.getTaskConcurrency({concurrency: 7, taskName: 'plain'}), 7);
    await store.registerTask({maxConcurrentExecutionCount: 3, name: 'limited'});
    t.is(await store.getTaskConcurrency({concurrency: 7, taskName: 'limited'}), 3);
    await store.registerTask({maxConcurrentExecutionCount: 0, name: 'limited'});
    t.is(await store.getTaskConcurrency({concurrency: 7, taskName: 'limited'}), 3, 'an existing task is left alone');

    for (const definition of [{maxAttempts: 0, name: 'bad'}, {maxExecutionDuration: -1, name: 'bad'}, {name: ''}, {name: 'a\u0000b'}, {maxRetryDelay: 10, name: 'bad', retryDelay: 100}]) {
      await t.throwsAsync(store.registerTask(definition), {code: 'INVALID_STORE_CONFIGURATION'});
    }
  });
};
