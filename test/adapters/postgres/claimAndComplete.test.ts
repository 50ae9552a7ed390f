/**
 * The store's batched paths, on every backend: completeExecutions, failExecutions,
 * heartbeatExecutions and findNotRunning (the claim's own tests are in createClaimExecutions.test.ts).
 */
import test from 'ava';
import {sql} from 'slonik';
import {z} from 'zod';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import type {PostgresStore} from '../../../src/adapters/postgres/types.ts';
import type {ExecutionReference} from '../../../src/adapters/types.ts';
import {type Backend, createSchemaName, dropSchema, useBackends} from '../../helpers/postgres.ts';
import {countExecutions, createItemClaim, createItems} from './helpers/items.ts';

const backends = useBackends();

const setUp = async (t: {teardown: (callback: () => Promise<void>) => void}, get: () => Promise<Backend>) => {
  const backend = await get();
  const schema = createSchemaName();
  // No background heartbeat: these tests call heartbeatExecutions themselves, and one asserts that
  // findNotRunning writes nothing (a loop beating 10 s into a slow run would write last_seen_at).
  const store = await createPostgresStore<number>({heartbeatInterval: 3_600_000, pool: backend.pool, reaperInterval: 0, schema});

  t.teardown(async () => {
    await store.terminate();
    await dropSchema(backend.pool, schema);
  });

  await createItems(backend.pool, schema, 6);

  return {pool: backend.pool, schema, store};
};

/**
 * Three claimed executions, all last seen an hour ago, the third completed since: what the batch
 * checks and heartbeats are asked about.
 */
const setUpThreeStale = async (t: {teardown: (callback: () => Promise<void>) => void}, get: () => Promise<Backend>) => {
  const {pool, schema, store} = await setUp(t, get);
  const [first, second, third] = await store.claimExecutions({claim: createItemClaim(schema), limit: 3, taskName: 'items'});

  if (!first || !second || !third) {
    throw new Error('Expected three executions.');
  }

  await pool.query(sql.type(z.object({}))`
    UPDATE ${sql.identifier([schema, 'maintenance_task_execution'])} SET last_seen_at = now() - interval '1 hour'
  `);
  await store.completeExecution({executionId: third.executionId});

  /** Executions seen in the last minute (`runningOnly`: those not ended). */
  const countSeenRecently = async ({runningOnly}: {readonly runningOnly: boolean}) => {
    return await pool.oneFirst(sql.type(z.object({count: z.number()}))`
      SELECT count(*)::int4 AS count FROM ${sql.identifier([schema, 'maintenance_task_execution'])}
      WHERE last_seen_at > now() - interval '1 minute' ${runningOnly ? sql.fragment`AND ended_at IS NULL` : sql.fragment``}
    `);
  };

  return {countSeenRecently, first, second, store, third};
};

for (const {get, name} of backends) {
  test(`${name}: completeExecutions completes a batch in one call and returns the references that were not running`, async (t) => {
    const {pool, schema, store} = await setUp(t, get);
    const claimed = await store.claimExecutions({claim: createItemClaim(schema), limit: 6, taskName: 'items'});
    const [first, second, third, ...rest] = claimed;

    if (!first || !second || !third) {
      t.fail('expected six executions');

      return;
    }

    // Ids are numbers (int8 comes back from slonik as bigint), and the store knows what it claimed.
    t.true(claimed.every((execution) => typeof execution.executionId === 'number'));
    t.is(store.getClaimedExecutionId({instruction: first.instruction, taskName: 'items'}), first.executionId);

    await store.completeExecution({executionId: first.executionId});
    t.is(store.getClaimedExecutionId({instruction: first.instruction, taskName: 'items'}), null);

    const notRunning = await store.completeExecutions([
      {executionId: first.executionId},
      {instruction: second.instruction, taskName: 'items'},
      {executionId: third.executionId},
      {executionId: third.executionId},
      {executionId: 999_999},
      {instruction: 404, taskName: 'items'},
      ...rest.map((execution) => ({executionId: execution.executionId})),
    ]);

    // In the order given; the second copy of a reference given twice counts as not running.
    t.deepEqual(notRunning, [
      {executionId: first.executionId},
      {executionId: third.executionId},
      {executionId: 999_999},
      {instruction: 404, taskName: 'items'},
    ]);
    t.deepEqual(await countExecutions(pool, schema), [{count: 6, state: 'COMPLETED'}]);
    t.deepEqual(await store.completeExecutions([]), []);
  });

  test(`${name}: failExecutions fails a batch in one call, each with its serialized error, and returns the references that were not running`, async (t) => {
    const {pool, schema, store} = await setUp(t, get);
    const [first, second, third] = await store.claimExecutions({claim: createItemClaim(schema), limit: 3, taskName: 'items'});

    if (!first || !second || !third) {
      t.fail('expected three executions');

      return;
    }

    await store.completeExecution({executionId: third.executionId});

    const notRunning = await store.failExecutions([
      {error: Object.assign(new Error('first broke'), {code: 'FIRST'}), reference: {executionId: first.executionId}},
      {error: 'second broke', reference: {instruction: second.instruction, taskName: 'items'}},
      {error: new Error('too late'), reference: {executionId: third.executionId}},
      {error: new Error('unknown'), reference: {executionId: 999_999}},
    ]);

    t.deepEqual(notRunning, [{executionId: third.executionId}, {executionId: 999_999}]);

    const errors = await pool.any(sql.type(z.object({code: z.string().nullable(), id: z.number(), message: z.string().nullable(), state: z.string(), value: z.unknown()}))`
      SELECT id::int4, state, error->>'message' AS message, error->>'code' AS code, error AS value
      FROM ${sql.identifier([schema, 'maintenance_task_execution'])}
      ORDER BY id
    `);

    t.like(errors[0], {code: 'FIRST', id: first.executionId, message: 'first broke', state: 'FAILED'});
    // serialize-error wraps a thrown non-error (as failExecution does).
    t.like(errors[1], {id: second.executionId, state: 'FAILED'});
    t.regex(errors[1]?.message ?? '', /second broke/u);
    t.like(errors[2], {id: third.executionId, state: 'COMPLETED', value: null});
    t.is(store.getClaimedExecutionId({instruction: first.instruction, taskName: 'items'}), null);
    t.deepEqual(await store.failExecutions([]), []);
  });

  test(`${name}: heartbeatExecutions marks a batch alive in one call and returns the references that are not running`, async (t) => {
    const {countSeenRecently, first, second, store, third} = await setUpThreeStale(t, get);
    const notRunning = await store.heartbeatExecutions([
      {executionId: first.executionId},
      {instruction: second.instruction, taskName: 'items'},
      {executionId: third.executionId},
      {executionId: 999_999},
    ]);

    t.deepEqual(notRunning, [{executionId: third.executionId}, {executionId: 999_999}]);
    // The two running executions were seen just now; both stay claimed by this store.
    t.is(await countSeenRecently({runningOnly: true}), 2);
    t.is(store.getClaimedExecutionId({instruction: second.instruction, taskName: 'items'}), second.executionId);
  });

  test(`${name}: findNotRunning reads which executions of a batch are not running, and writes nothing`, async (t) => {
    const {countSeenRecently, first, second, store, third} = await setUpThreeStale(t, get);
    const notRunning = await store.findNotRunning([
      {executionId: first.executionId},
      {instruction: second.instruction, taskName: 'items'},
      {executionId: third.executionId},
      {executionId: first.executionId},
      {executionId: 999_999},
    ]);

    t.deepEqual(notRunning, [{executionId: third.executionId}, {executionId: first.executionId}, {executionId: 999_999}]);
    t.is(await countSeenRecently({runningOnly: false}), 0, 'no heartbeat was written');
  });

  // Found by test/fuzz/dispatchStore.test.ts: each failed in the driver (encoding error, bigint syntax), uncoded; a sink retried such a message forever.
  test(`${name}: a reference no execution can match (NUL in its name or instruction, a lone surrogate in its instruction, an id that is not a safe integer) is not running`, async (t) => {
    const {store} = await setUp(t, get);
    // The store is typed for number instructions; a sink's message may still carry a string.
    const unmatchable: Array<ExecutionReference<number>> = [
      {instruction: 1, taskName: 'items\u0000'},
      {instruction: 'x\u0000' as unknown as number, taskName: 'items'},
      {instruction: 'x\uD800' as unknown as number, taskName: 'items'},
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
  });
}
