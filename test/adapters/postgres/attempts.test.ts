/**
 * Attempts on the PostgreSQL store: dead instructions listed and revived, the defaults it writes,
 * releases revived, through Planton and the processor. The backoff, the reset on completion and
 * terminations counted as attempts are the conformance kit's (test/testing).
 */
import test from 'ava';
import {sql} from 'slonik';
import {z} from 'zod';
import {createProcessor} from '../../../src/adapters/processor/createProcessor.ts';
import type {DeadInstruction} from '../../../src/adapters/types.ts';
import {SinkPublishError, SinkRejectedError} from '../../../src/adapters/sinks/errors.ts';
import {calculateBackoffDelay} from '../../../src/planton/calculateBackoffDelay.ts';
import {createPlanton} from '../../../src/index.ts';
import {countEvents} from '../../helpers/countEvents.ts';
import {createManualClock} from '../../helpers/createManualClock.ts';
import {type Backend, useBackends} from '../../helpers/postgres.ts';
import {until} from '../../helpers/until.ts';
import {countItems, createItemClaim, createItems, processItem} from './helpers/items.ts';
import {setUpStoreSchema} from './helpers/setUpStoreSchema.ts';

const backends = useBackends();

const setUp = async (t: {teardown: (callback: () => Promise<void>) => void}, get: () => Promise<Backend>) => await setUpStoreSchema(t, get, {heartbeatInterval: 3_600_000});

const START = Date.parse('2030-01-01T00:00:00Z');

const selectStates = async (backend: Backend, schema: string, instruction: number) => {
  return await backend.pool.anyFirst(sql.type(z.object({state: z.string()}))`
    SELECT state FROM ${sql.identifier([schema, 'maintenance_task_execution'])} WHERE instruction = ${sql.jsonb(instruction)} ORDER BY id
  `);
};

const selectRetry = async (backend: Backend, schema: string) => {
  return await backend.pool.any(sql.type(z.object({attempts: z.number(), dead: z.boolean(), instruction: z.number()}))`
    SELECT instruction, failed_attempt_count AS attempts, dead_at IS NOT NULL AS dead
    FROM ${sql.identifier([schema, 'maintenance_task_instruction_retry'])}
    ORDER BY instruction
  `);
};

for (const {get, name} of backends) {
  test(`${name}: a poison instruction does not starve the others: they complete, it backs off between attempts and ends DEAD after maxAttempts`, async (t) => {
    const {backend, createStore, schema} = await setUp(t, get);
    const clock = createManualClock(START);
    const store = await createStore({clock});
    const dead: Array<DeadInstruction<number>> = [];
    const poison = 1;
    const policy = {initialDelay: 1_000, maxAttempts: 4, maxDelay: 3_000};

    store.events.on('dead', ({instructions}) => {
      dead.push(...instructions);
    });
    await createItems(backend.pool, schema, 10);
    await store.registerTask({maxAttempts: policy.maxAttempts, maxRetryDelay: policy.maxDelay, name: 'items', retryDelay: policy.initialDelay});

    const poisonAttempts: number[] = [];

    // One instruction per round (concurrency 1), 100 ms apart: the poison comes first in the claim's
    // order, so before attempts it was claimed again every round and item 2 never came.
    for (let round = 0; round < 200; round++) {
      for (const execution of await store.claimExecutions({claim: createItemClaim(schema), limit: 1, taskName: 'items'})) {
        if (execution.instruction === poison) {
          poisonAttempts.push(clock.now() - START);
          await store.failExecution(execution, new Error('poison'));
        } else {
          await processItem(backend.pool, store, schema, execution);
        }
      }

      await clock.advance(100);
    }

    t.deepEqual(await countItems(backend.pool, schema), {done: 9, duplicated: 0, total: 10}, 'every other item is processed once');
    t.is(poisonAttempts.length, policy.maxAttempts);

    // Attempt n + 1 comes at the first round at or after the backoff of attempt n (rounds are 100 ms apart).
    const gaps = poisonAttempts.slice(1).map((at, index) => at - (poisonAttempts[index] ?? 0));

    t.deepEqual(gaps, gaps.map((_gap, index) => calculateBackoffDelay({attempt: index, initialDelay: policy.initialDelay, maxDelay: policy.maxDelay})));
    t.deepEqual(gaps, [1_000, 2_000, 3_000]);
    t.deepEqual(await selectStates(backend, schema, poison), ['FAILED', 'FAILED', 'FAILED', 'FAILED']);
    t.deepEqual(await selectRetry(backend, schema), [{attempts: 4, dead: true, instruction: poison}]);
    t.is(dead.length, 1, 'dead is emitted once');
    t.like(dead[0], {attempts: 4, error: {message: 'poison', name: 'Error'}, instruction: poison, taskName: 'items'});

    const listed = await store.listDeadInstructions({taskName: 'items'});

    t.is(listed.length, 1);
    t.like(listed[0], {attempts: 4, error: {message: 'poison'}, executionId: dead[0]?.executionId, instruction: poison, taskName: 'items'});
    t.is(listed[0]?.deadAt.getTime(), START + (poisonAttempts.at(-1) ?? 0));
    t.deepEqual(await store.listDeadInstructions({taskName: 'other'}), []);

    // An hour later it is still dead; retryInstruction revives it, from attempt 1.
    await clock.advance(3_600_000);
    t.deepEqual(await store.claimExecutions({claim: createItemClaim(schema), limit: 10, taskName: 'items'}), []);
    t.true(await store.retryInstruction({instruction: poison, taskName: 'items'}));
    t.false(await store.retryInstruction({instruction: poison, taskName: 'items'}), 'nothing left to retry');
    t.deepEqual(await store.listDeadInstructions(), []);

    const revived = await store.claimExecutions({claim: createItemClaim(schema), limit: 10, taskName: 'items'});

    t.deepEqual(revived.map((execution) => execution.instruction), [poison]);
  });

  test(`${name}: a new task gets 25 attempts 1 s to 1 h apart; registerTask writes its own policy only when the task is new`, async (t) => {
    const {backend, createStore, schema} = await setUp(t, get);
    const store = await createStore();
    const selectPolicy = async (taskName: string) => {
      return await backend.pool.one(sql.type(z.object({attempts: z.number(), delay: z.number(), maxDelay: z.number()}))`
        SELECT maximum_attempt_count AS attempts, (extract(epoch FROM retry_delay) * 1000)::float8 AS delay, (extract(epoch FROM maximum_retry_delay) * 1000)::float8 AS "maxDelay"
        FROM ${sql.identifier([schema, 'maintenance_task'])} WHERE nid = ${taskName}
      `);
    };

    await createItems(backend.pool, schema, 1);
    await store.claimExecutions({claim: createItemClaim(schema), limit: 1, taskName: 'claimed'});
    t.deepEqual(await selectPolicy('claimed'), {attempts: 25, delay: 1_000, maxDelay: 3_600_000});

    await store.registerTask({maxAttempts: 5, maxRetryDelay: 90_000, name: 'tuned', retryDelay: 1_500});
    t.deepEqual(await selectPolicy('tuned'), {attempts: 5, delay: 1_500, maxDelay: 90_000});

    await store.registerTask({maxAttempts: 9, name: 'tuned'});
    t.deepEqual(await selectPolicy('tuned'), {attempts: 5, delay: 1_500, maxDelay: 90_000}, 'an existing row is left alone');
    await t.throwsAsync(store.registerTask({maxAttempts: 0, name: 'bad'}), {code: 'INVALID_STORE_CONFIGURATION'});
  });

  test(`${name}: reviveExecution puts an execution a sink released back to RUNNING and takes back its failed attempt, unless the instruction was claimed again or the failure was another`, async (t) => {
    const {backend, createStore, schema} = await setUp(t, get);
    const clock = createManualClock(START);
    const store = await createStore({clock});
    const dead: unknown[] = [];

    store.events.on('dead', ({instructions}) => {
      dead.push(...instructions);
    });
    await createItems(backend.pool, schema, 2);
    await store.registerTask({maxAttempts: 1, name: 'items'});

    const [first, second] = await store.claimExecutions({claim: createItemClaim(schema), limit: 2, taskName: 'items'});
    const released = (instruction: number) => new SinkPublishError('items', instruction, new SinkRejectedError('TIMEOUT', 'RabbitMQ did not confirm the message within 1000 ms.'));

    await store.failExecution(first as never, released(1));
    t.is(dead.length, 1);
    t.true(await store.reviveExecution({executionId: first?.executionId ?? 0}));
    t.deepEqual(await selectStates(backend, schema, 1), ['RUNNING']);
    t.deepEqual(await selectRetry(backend, schema), [{attempts: 0, dead: false, instruction: 1}]);
    t.is(store.getClaimedExecutionId({instruction: 1, taskName: 'items'}), first?.executionId ?? null, 'tracked (heartbeaten) again');
    t.false(await store.reviveExecution({executionId: first?.executionId ?? 0}), 'it is running');

    await store.completeExecution(first as never);
    t.false(await store.reviveExecution({executionId: first?.executionId ?? 0}), 'a completed execution stays completed');
    t.deepEqual(await selectRetry(backend, schema), []);

    // Failed, retried by an operator and claimed again: the old execution is not revived beside the new one.
    await store.registerTask({name: 'items'});
    await store.failExecution(second as never, released(2));
    await store.retryInstruction({instruction: 2, taskName: 'items'});

    const again = await store.claimExecutions({claim: createItemClaim(schema), limit: 2, taskName: 'items'});

    t.true(again.some((execution) => execution.instruction === 2));
    t.false(await store.reviveExecution({executionId: second?.executionId ?? 0}));
    t.deepEqual(await selectStates(backend, schema, 2), ['FAILED', 'RUNNING']);

    // A failure the processor reported is not a release: the work ran and failed.
    await store.failExecution(again.find((execution) => execution.instruction === 2) as never, new Error('the processor failed'));
    t.false(await store.reviveExecution({executionId: again.find((execution) => execution.instruction === 2)?.executionId ?? 0}));
  });

  test(`${name}: through Planton and createProcessor, a poison instruction first in the claim's order does not starve a task of concurrency 1: the others complete, it waits out each backoff and ends dead`, async (t) => {
    const {backend, createStore, schema} = await setUp(t, get);
    // The store's clock steers the backoff; Planton polls in real time (every 5 ms).
    const clock = createManualClock(START);
    const store = await createStore({clock});
    const poison = 1;
    let claims = 0;
    const claim = createItemClaim(schema);

    await createItems(backend.pool, schema, 10);
    await store.registerTask({maxAttempts: 3, maxRetryDelay: 1_500, name: 'items', retryDelay: 1_000});

    const planton = createPlanton<number>({
      getActiveTaskInstructions: store.getActiveTaskInstructions,
      tasks: [{
        calculateDelay: () => 5,
        concurrency: 1,
        name: 'items',
        schedule: store.createSchedule((context) => {
          claims++;

          return claim(context);
        }),
      }],
    });
    const processor = createProcessor<number>({
      handlers: {
        items: async (instruction) => {
          if (instruction === poison) {
            throw new Error('poison');
          }

          await backend.pool.query(sql.type(z.object({}))`
            UPDATE ${sql.identifier([schema, 'item'])} SET processed_count = processed_count + 1 WHERE id = ${instruction}
          `);
        },
      },
      planton,
      store,
    });
    const completed = countEvents(processor.events, 'completed');
    const failed = countEvents(processor.events, 'failed');
    const dead = countEvents(store.events, 'dead');
    /** Lets Planton claim `rounds` more times, so that what did not happen meanwhile was not due. */
    const claimRounds = async (rounds: number) => {
      const target = claims + rounds;

      await until(() => claims >= target);
    };

    t.teardown(async () => {
      await planton.terminate();
      await processor.stop();
    });

    await completed.until(9);
    await failed.until(1);
    await claimRounds(20);
    t.is(failed.payloads.length, 1, 'not claimed again before its backoff');

    await clock.advance(999);
    await claimRounds(20);
    t.is(failed.payloads.length, 1, '1 ms before the backoff of 1 s ends');
    await clock.advance(1);
    await failed.until(2);
    await clock.advance(1_499);
    await claimRounds(20);
    t.is(failed.payloads.length, 2, '1 ms before the backoff of 1.5 s (2 s capped) ends');
    await clock.advance(1);
    await failed.until(3);
    await dead.until(1);
    await clock.advance(86_400_000);
    await claimRounds(20);

    t.is(failed.payloads.length, 3, 'dead: never claimed again');
    t.like(dead.payloads[0]?.instructions, [{attempts: 3, error: {message: 'poison'}, instruction: poison, taskName: 'items'}]);
    t.deepEqual(await countItems(backend.pool, schema), {done: 9, duplicated: 0, total: 10});
    t.deepEqual(await selectStates(backend, schema, poison), ['FAILED', 'FAILED', 'FAILED']);
  });
}
