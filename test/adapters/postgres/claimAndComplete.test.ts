/**
 * The store's batched paths, on every backend: the claim that records its executions in the same
 * statement (and falls back to two statements where it cannot), completeExecutions and failExecutions.
 */
import test from 'ava';
import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import {getSqlState} from '../../../src/adapters/postgres/getSqlState.ts';
import {claimAndInsertExecutions, createTables} from '../../../src/adapters/postgres/queries.ts';
import type {PostgresStore} from '../../../src/adapters/postgres/types.ts';
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

const item = (schema: string) => sql.identifier([schema, 'item']);

/** The pool, counting the transactions the store opens on it. */
const countTransactions = (pool: DatabasePool) => {
  let transactions = 0;
  const counted = new Proxy(pool, {
    get: (target, property, receiver) => {
      const value: unknown = Reflect.get(target, property, receiver);

      if (property === 'transaction' && typeof value === 'function') {
        return (...parameters: unknown[]) => {
          transactions++;

          return Reflect.apply(value, target, parameters);
        };
      }

      return typeof value === 'function' ? value.bind(target) : value;
    },
  });

  return {counted, transactions: () => transactions};
};

const countMarked = async (pool: DatabasePool, schema: string) => {
  return await pool.oneFirst(sql.type(z.object({count: z.number()}))`
    SELECT count(*)::int4 AS count FROM ${item(schema)} WHERE processed_count = -1
  `);
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

  test(`${name}: a claim query that is a WITH holding an UPDATE is claimed and recorded in one transaction too`, async (t) => {
    const {pool, schema, store} = await setUp(t, get);
    // PostgreSQL cannot nest this query in another WITH: the store claims it in two statements.
    const claim = ({limit}: {readonly limit: number}) => sql.type(z.object({id: z.number()}))`
      WITH claimed AS (
        UPDATE ${item(schema)} SET processed_count = 1
        WHERE id IN (SELECT id FROM ${item(schema)} WHERE processed_count = 0 ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        RETURNING id
      )
      SELECT id FROM claimed ORDER BY id
    `;

    const first = await store.claimExecutions({claim, limit: 2, taskName: 'items'});
    const second = await store.claimExecutions({claim, limit: 2, taskName: 'items'});

    t.deepEqual(first.map((execution) => execution.instruction), [1, 2]);
    t.deepEqual(second.map((execution) => execution.instruction), [3, 4]);
    t.deepEqual(await countExecutions(pool, schema), [{count: 4, state: 'RUNNING'}]);
  });

  test(`${name}: the claim keeps the claim query's order, drops duplicates, and accepts text instructions`, async (t) => {
    const {schema, store} = await setUp(t, get);
    const store2 = store as unknown as PostgresStore<string>;

    const numbers = await store.claimExecutions({
      claim: () => sql.type(z.object({id: z.number()}))`SELECT id FROM ${item(schema)} WHERE id IN (5, 2, 4) ORDER BY id DESC`,
      limit: 3,
      taskName: 'numbers',
    });
    const duplicated = await store.claimExecutions({
      claim: () => sql.type(z.object({id: z.number()}))`SELECT 6 AS id UNION ALL SELECT 6`,
      limit: 2,
      taskName: 'numbers',
    });
    const strings = await store2.claimExecutions({
      claim: () => sql.type(z.object({name: z.string()}))`SELECT 'b''; DROP TABLE x; --' AS name UNION ALL SELECT 'ä'`,
      limit: 2,
      taskName: 'strings',
    });

    t.deepEqual(numbers.map((execution) => execution.instruction), [5, 4, 2]);
    t.deepEqual(duplicated.map((execution) => execution.instruction), [6]);
    t.deepEqual(strings.map((execution) => execution.instruction), ['b\'; DROP TABLE x; --', 'ä']);
  });

  test(`${name}: a claim that returns what is not an instruction records nothing and fails with a coded error`, async (t) => {
    const {pool, schema, store} = await setUp(t, get);

    for (const claim of [
      () => sql.type(z.object({value: z.boolean()}))`SELECT true AS value`,
      () => sql.type(z.object({value: z.null()}))`SELECT NULL::int AS value`,
      () => sql.type(z.object({value: z.number()}))`SELECT 'NaN'::float8 AS value`,
      () => sql.type(z.object({value: z.bigint()}))`SELECT 9223372036854775807::int8 AS value`,
    ]) {
      await t.throwsAsync(store.claimExecutions({claim, limit: 1, taskName: 'items'}), {code: 'UNEXPECTED_CLAIM_RESULT'});
    }

    t.deepEqual(await countExecutions(pool, schema), []);
  });

  test(`${name}: a nestable claim is claimed and recorded by one self-committing statement, without a transaction`, async (t) => {
    const backend = await get();
    const schema = createSchemaName();
    const {counted, transactions} = countTransactions(backend.pool);
    const store = await createPostgresStore<number>({pool: counted, reaperInterval: 0, schema});

    t.teardown(async () => {
      await store.terminate();
      await dropSchema(backend.pool, schema);
    });
    await createItems(backend.pool, schema, 3);

    const before = transactions();
    const claimed = await store.claimExecutions({claim: createItemClaim(schema), limit: 2, taskName: 'items'});

    t.deepEqual(claimed.map((execution) => execution.instruction), [1, 2]);
    t.is(transactions(), before);
    t.deepEqual(await countExecutions(backend.pool, schema), [{count: 2, state: 'RUNNING'}]);

    // A claim it cannot nest goes the two-statement way, in a transaction.
    await store.claimExecutions({
      claim: () => sql.type(z.object({id: z.number()}))`
        WITH claimed AS (UPDATE ${item(schema)} SET processed_count = 1 WHERE id = 3 RETURNING id) SELECT id FROM claimed
      `,
      limit: 1,
      taskName: 'items',
    });
    t.is(transactions(), before + 1);
    t.deepEqual(await countExecutions(backend.pool, schema), [{count: 3, state: 'RUNNING'}]);
  });

  test(`${name}: the combined statement rolls itself back (PT001) when the claim returns more rows than the limit: nothing claimed, nothing recorded`, async (t) => {
    const {pool, schema} = await setUp(t, get);
    const tables = createTables(schema);
    const taskId = await pool.oneFirst(sql.type(z.object({id: z.number()}))`
      INSERT INTO ${tables.task} (nid) VALUES ('mark') RETURNING id
    `);

    /** Marks three items (processed_count = -1) and returns them: one more than the limit of 2. */
    const claimThreeOfTwo = async () => await claimAndInsertExecutions(pool, tables, {
      capacity: null,
      claim: sql.type(z.object({id: z.number()}))`UPDATE ${item(schema)} SET processed_count = -1 WHERE id <= 3 RETURNING id`,
      hostname: 'test',
      limit: 2,
      now: Date.now(),
      taskId,
      types: ['integer'],
    });
    const error = await t.throwsAsync(claimThreeOfTwo());

    t.is(getSqlState(error), 'PT001');
    t.is(await countMarked(pool, schema), 0);
    t.deepEqual(await countExecutions(pool, schema), []);

    // Even when nothing would be inserted (every claimed instruction is already running), the
    // check runs and the claim's own changes roll back.
    await claimAndInsertExecutions(pool, tables, {
      capacity: null,
      claim: sql.type(z.object({id: z.number()}))`SELECT id FROM ${item(schema)} WHERE id <= 3`,
      hostname: 'test',
      limit: 3,
      now: Date.now(),
      taskId,
      types: ['integer'],
    });

    const again = await t.throwsAsync(claimThreeOfTwo());

    t.is(getSqlState(again), 'PT001');
    t.is(await countMarked(pool, schema), 0);
    t.deepEqual(await countExecutions(pool, schema), [{count: 3, state: 'RUNNING'}]);
  });

  test(`${name}: the combined statement rolls itself back (PT001) on a column type it does not convert exactly or an unsafe integer`, async (t) => {
    const {pool, schema} = await setUp(t, get);
    const tables = createTables(schema);
    const taskId = await pool.oneFirst(sql.type(z.object({id: z.number()}))`
      INSERT INTO ${tables.task} (nid) VALUES ('mark') RETURNING id
    `);
    const attempt = async (claim: ReturnType<typeof sql.unsafe>, types: readonly string[]) => {
      return await t.throwsAsync(claimAndInsertExecutions(pool, tables, {capacity: null, claim, hostname: 'test', limit: 10, now: Date.now(), taskId, types}));
    };

    t.is(getSqlState(await attempt(sql.unsafe`UPDATE ${item(schema)} SET processed_count = -1 WHERE id = 1 RETURNING id::numeric`, ['integer'])), 'PT001');
    t.is(getSqlState(await attempt(sql.unsafe`UPDATE ${item(schema)} SET processed_count = -1 WHERE id = 2 RETURNING id + 9007199254740991::int8`, ['bigint'])), 'PT001');
    t.is(await countMarked(pool, schema), 0);
    t.deepEqual(await countExecutions(pool, schema), []);

    // Within the limit and of an accepted type, the same statement claims and records.
    const rows = await claimAndInsertExecutions(pool, tables, {
      capacity: null,
      claim: sql.unsafe`UPDATE ${item(schema)} SET processed_count = -1 WHERE id = 2 RETURNING id + 9007199254740989::int8`,
      hostname: 'test',
      limit: 1,
      now: Date.now(),
      taskId,
      types: ['bigint'],
    });

    t.deepEqual(rows.filter((row) => row.id !== null).map((row) => row.instruction), [9_007_199_254_740_991]);
    t.is(await countMarked(pool, schema), 1);
  });
}
