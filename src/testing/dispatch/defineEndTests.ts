import type {DeadInstruction, ExecutionReference} from '../../adapters/types.ts';
import type {DefineDispatchStoreTestsConfiguration, KitTest} from '../types.ts';
import {createDispatchHarness} from './createDispatchHarness.ts';

/** Claims three instructions through `store` and returns their executions (failing loudly when fewer came). */
const claimThree = async <Claim>(harness: Awaited<ReturnType<typeof createDispatchHarness<Claim>>>) => {
  await harness.fixture.addInstructions(['1', '2', '3']);

  const [first, second, third] = await harness.claim(harness.store, {limit: 3, taskName: 'items'});

  if (!first || !second || !third) {
    throw new Error('Expected the claim to return three executions.');
  }

  return {first, second, third};
};

/** Ending executions: single and batched, what is not running, references nothing can match. */
export const defineEndTests = <Claim>(test: KitTest, title: (text: string) => string, createStore: DefineDispatchStoreTestsConfiguration<Claim>['createStore']): void => {
  test(title('completes and fails executions; an execution that ended cannot end again (EXECUTION_NOT_RUNNING), and its failure is recorded serialized'), async (t) => {
    const harness = await createDispatchHarness(t, createStore);
    const {store} = harness;
    const dead: Array<DeadInstruction<string>> = [];

    store.events.on('dead', ({instructions}) => {
      dead.push(...instructions);
    });
    await store.registerTask({maxAttempts: 1, name: 'items'});

    const {first, second} = await claimThree(harness);

    await store.completeExecution({instruction: first.instruction, taskName: 'items'});
    await store.failExecution({executionId: second.executionId}, new TypeError('disk "full"; retry'));
    t.is(store.getClaimedExecutionId({instruction: first.instruction, taskName: 'items'}), null);
    t.deepEqual(await store.getActiveTaskInstructions('items', {signal: new AbortController().signal}), ['3']);
    t.is(dead.length, 1);
    t.like(dead[0], {attempts: 1, error: {message: 'disk "full"; retry', name: 'TypeError'}, executionId: second.executionId, instruction: '2', taskName: 'items'});

    await t.throwsAsync(store.completeExecution({executionId: first.executionId}), {code: 'EXECUTION_NOT_RUNNING'});
    await t.throwsAsync(store.completeExecution({instruction: '2', taskName: 'items'}), {code: 'EXECUTION_NOT_RUNNING'});
    await t.throwsAsync(store.failExecution({executionId: second.executionId}, new Error('again')), {code: 'EXECUTION_NOT_RUNNING'});
    await t.throwsAsync(store.heartbeat({executionId: first.executionId}), {code: 'EXECUTION_NOT_RUNNING'});
    t.is(dead.length, 1, 'no second failed attempt');
  });

  test(title('completeExecutions completes a batch and returns, in order, the references that were not running'), async (t) => {
    const harness = await createDispatchHarness(t, createStore);
    const {store} = harness;

    const {first, second, third} = await claimThree(harness);

    await harness.fixture.addInstructions(['4', '5']);

    const rest = await harness.claim(store, {limit: 10, taskName: 'items'});

    t.is(rest.length, 2);
    t.is(store.getClaimedExecutionId({instruction: first.instruction, taskName: 'items'}), first.executionId);
    await store.completeExecution({executionId: first.executionId});

    const notRunning = await store.completeExecutions([
      {executionId: first.executionId},
      {instruction: second.instruction, taskName: 'items'},
      {executionId: third.executionId},
      {executionId: third.executionId},
      {executionId: 999_999},
      {instruction: '404', taskName: 'items'},
      ...rest.map((execution) => ({executionId: execution.executionId})),
    ]);

    // The second copy of a reference given twice counts as not running.
    t.deepEqual(notRunning, [{executionId: first.executionId}, {executionId: third.executionId}, {executionId: 999_999}, {instruction: '404', taskName: 'items'}]);
    t.deepEqual(await store.getActiveTaskInstructions('items', {signal: new AbortController().signal}), []);
    t.is(store.getClaimedExecutionId({instruction: second.instruction, taskName: 'items'}), null);
    t.deepEqual(await store.completeExecutions([]), []);
  });

  test(title('failExecutions fails a batch, each with its own error, and returns the references that were not running'), async (t) => {
    const harness = await createDispatchHarness(t, createStore);
    const {store} = harness;
    const dead: Array<DeadInstruction<string>> = [];

    store.events.on('dead', ({instructions}) => {
      dead.push(...instructions);
    });
    await store.registerTask({maxAttempts: 1, name: 'items'});

    const {first, second, third} = await claimThree(harness);

    await store.completeExecution(third);

    const notRunning = await store.failExecutions([
      {error: Object.assign(new Error('first broke'), {code: 'FIRST'}), reference: {executionId: first.executionId}},
      {error: 'second broke', reference: {instruction: second.instruction, taskName: 'items'}},
      {error: new Error('too late'), reference: {executionId: third.executionId}},
      {error: new Error('unknown'), reference: {executionId: 999_999}},
    ]);

    t.deepEqual(notRunning, [{executionId: third.executionId}, {executionId: 999_999}]);

    const byInstruction = new Map(dead.map((entry) => [entry.instruction, entry.error as {readonly code?: unknown; readonly message?: unknown}]));

    t.deepEqual([...byInstruction.keys()].sort(), ['1', '2']);
    t.like(byInstruction.get('1') ?? {}, {code: 'FIRST', message: 'first broke'});
    // A thrown non-error is wrapped, its text kept.
    t.true(String(byInstruction.get('2')?.message).includes('second broke'));
    t.deepEqual(await store.getActiveTaskInstructions('items', {signal: new AbortController().signal}), []);
    t.deepEqual(await store.failExecutions([]), []);
  });

  test(title('heartbeatExecutions marks a batch alive (the reaper spares it) and returns the references that are not running'), async (t) => {
    const harness = await createDispatchHarness(t, createStore);
    const {clock, store} = harness;

    await store.registerTask({maxExecutionDuration: 60_000, name: 'items'});

    const {first, second, third} = await claimThree(harness);

    await store.completeExecution(third);
    await clock.advance(50_000);

    const notRunning = await store.heartbeatExecutions([
      {executionId: first.executionId},
      {instruction: second.instruction, taskName: 'items'},
      {executionId: third.executionId},
      {executionId: 999_999},
    ]);

    t.deepEqual(notRunning, [{executionId: third.executionId}, {executionId: 999_999}]);
    // 70 s after the claim, 20 s after the beat: within the limit of 60 s.
    await clock.advance(20_000);
    t.deepEqual(await store.reap(), []);
    t.is(store.getClaimedExecutionId({instruction: second.instruction, taskName: 'items'}), second.executionId);
  });

  test(title('findNotRunning reads which executions of a batch are not running, and writes nothing (no heartbeat)'), async (t) => {
    const harness = await createDispatchHarness(t, createStore);
    const {clock, store} = harness;

    await store.registerTask({maxExecutionDuration: 60_000, name: 'items'});

    const {first, second, third} = await claimThree(harness);

    await store.completeExecution(third);
    await clock.advance(50_000);

    const notRunning = await store.findNotRunning([
      {executionId: first.executionId},
      {instruction: second.instruction, taskName: 'items'},
      {executionId: third.executionId},
      {executionId: first.executionId},
      {executionId: 999_999},
    ]);

    t.deepEqual(notRunning, [{executionId: third.executionId}, {executionId: first.executionId}, {executionId: 999_999}]);
    await clock.advance(20_000);
    t.deepEqual((await store.reap()).map((execution) => execution.instruction).sort(), ['1', '2'], 'no heartbeat was written');
  });

  test(title('a reference no execution can match (NUL in its name or instruction, a lone surrogate, an id that is not a safe integer) is not running, not a driver error'), async (t) => {
    const harness = await createDispatchHarness(t, createStore);
    const {store} = harness;

    await claimThree(harness);

    const unmatchable: Array<ExecutionReference<string>> = [
      {instruction: '1', taskName: 'items\u0000'},
      {instruction: 'x\u0000', taskName: 'items'},
      {instruction: 'x\uD800', taskName: 'items'},
      {executionId: Number.NaN},
      {executionId: 1.5},
      {executionId: Number.POSITIVE_INFINITY},
    ];

    for (const reference of unmatchable) {
      await t.throwsAsync(store.completeExecution(reference), {code: 'EXECUTION_NOT_RUNNING'});
      await t.throwsAsync(store.failExecution(reference, new Error('x')), {code: 'EXECUTION_NOT_RUNNING'});
      await t.throwsAsync(store.heartbeat(reference), {code: 'EXECUTION_NOT_RUNNING'});
    }

    t.deepEqual(await store.completeExecutions(unmatchable), unmatchable);
    t.deepEqual(await store.findNotRunning(unmatchable), unmatchable);
    t.deepEqual([...await store.getActiveTaskInstructions('items', {signal: new AbortController().signal})].sort(), ['1', '2', '3']);
  });
};
