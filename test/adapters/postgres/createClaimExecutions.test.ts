/**
 * The store's claim path (createClaimExecutions), on every backend: the claim that records its
 * executions in one self-committing statement and falls back to a transaction of two where it
 * cannot, the checks of what a claim returns, and the retry when the database refuses to take a
 * task past its concurrency.
 */
import {randomUUID} from 'node:crypto';
import test from 'ava';
import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {applyMigrations} from '../../../src/adapters/postgres/applyMigrations.ts';
import {createClaimExecutions} from '../../../src/adapters/postgres/createClaimExecutions.ts';
import {createClaimRecovery} from '../../../src/adapters/postgres/createClaimRecovery.ts';
import {createExecutionTracker} from '../../../src/adapters/postgres/createExecutionTracker.ts';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import {createPreparedStatements} from '../../../src/adapters/postgres/createPreparedStatements.ts';
import {getSqlState} from '../../../src/adapters/postgres/getSqlState.ts';
import {claimAndInsertExecutions, createTables, insertExecutions, selectActiveTaskInstructions, upsertTask} from '../../../src/adapters/postgres/queries/index.ts';
import type {PostgresStore} from '../../../src/adapters/postgres/types.ts';
import {createSystemClock} from '../../../src/index.ts';
import {type Backend, createSchemaName, dropSchema, useBackends} from '../../helpers/postgres.ts';
import {countExecutions, createItemClaim, createItems} from './helpers/items.ts';

const backends = useBackends();

/**
 * createClaimExecutions on its own, on a migrated schema with six items: its tracker, and how often
 * it asked for the task's id and read the active instructions.
 */
const setUpClaim = async (t: {teardown: (callback: () => Promise<void>) => void}, get: () => Promise<Backend>) => {
  const backend = await get();
  const schema = createSchemaName();
  const {pool} = backend;

  t.teardown(async () => {
    await dropSchema(pool, schema);
  });

  await applyMigrations({pool, schema});
  await createItems(pool, schema, 6);

  const tables = createTables(schema);
  const statements = createPreparedStatements(pool, {enabled: false});
  const tracker = createExecutionTracker<number>({activeFromMemory: true});
  const calls = {getTaskId: 0, readActiveTaskInstructions: 0};
  const clock = createSystemClock();
  const claimExecutions = createClaimExecutions<number>({
    clock,
    getTaskId: async (taskName) => {
      calls.getTaskId++;

      return await upsertTask(statements, tables, {maxAttempts: 25, maxConcurrentExecutionCount: 0, maxExecutionDuration: 300_000, maxRetryDelay: 3_600_000, retryDelay: 1_000, taskName});
    },
    hostname: 'test',
    pool,
    readActiveTaskInstructions: async (taskName) => {
      calls.readActiveTaskInstructions++;

      const instructions = await selectActiveTaskInstructions(statements, tables, taskName) as readonly number[];

      tracker.setView(taskName, instructions);

      return instructions;
    },
    recovery: createClaimRecovery<number>({clock, statements, tables, tracker}),
    statements,
    tables,
    tracker,
  });

  return {calls, claimExecutions, pool, schema, tables, tracker};
};

const item = (schema: string) => sql.identifier([schema, 'item']);

/** A task row of its own, for tests that run claimAndInsertExecutions by hand. */
const insertTask = async (pool: DatabasePool, tables: ReturnType<typeof createTables>) => {
  return await pool.oneFirst(sql.type(z.object({id: z.number()}))`
    INSERT INTO ${tables.task} (nid) VALUES ('mark') RETURNING id
  `);
};

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

for (const {get, name} of backends) {

  test(`${name}: rejects a limit that is not an integer >= 0; a limit of 0 or an aborted signal claims nothing without a query`, async (t) => {
    const {calls, claimExecutions, pool, schema} = await setUpClaim(t, get);
    const claim = createItemClaim(schema);

    for (const limit of [-1, 1.5, Number.NaN]) {
      await t.throwsAsync(claimExecutions({claim, limit, taskName: 'items'}), {code: 'INVALID_STORE_CONFIGURATION', message: `Expected \`limit\` to be an integer >= 0, got \`${String(limit)}\`.`});
    }

    const aborted = new AbortController();

    aborted.abort();
    t.deepEqual(await claimExecutions({claim, limit: 0, taskName: 'items'}), []);
    t.deepEqual(await claimExecutions({claim, limit: 3, signal: aborted.signal, taskName: 'items'}), []);
    t.is(calls.getTaskId, 0);
    t.deepEqual(await countExecutions(pool, schema), []);
  });

  test(`${name}: claimed executions are tracked: their ids are known and the task's view holds them`, async (t) => {
    const {claimExecutions, schema, tracker} = await setUpClaim(t, get);

    tracker.setView('items', []);
    tracker.setConcurrency('items', 5);

    const claimed = await claimExecutions({claim: createItemClaim(schema), limit: 2, taskName: 'items'});

    t.deepEqual(claimed.map(({instruction, taskName}) => ({instruction, taskName})), [{instruction: 1, taskName: 'items'}, {instruction: 2, taskName: 'items'}]);
    t.deepEqual(claimed.map(({executionId, instruction}) => tracker.getClaimedExecutionId('items', instruction) === executionId), [true, true]);
    t.deepEqual(tracker.getClaimedExecutionIds(), claimed.map((execution) => execution.executionId));
    t.deepEqual(tracker.getActiveFromMemory('items'), [1, 2]);
  });

  test(`${name}: a claim that would take the task past its concurrency (PT002) reads the active executions and claims what they leave`, async (t) => {
    const {calls, claimExecutions, pool, schema, tables, tracker} = await setUpClaim(t, get);
    const claim = createItemClaim(schema);

    // The view says nothing runs; another process has two RUNNING executions of the task.
    const taskId = await upsertTask(pool, tables, {maxAttempts: 25, maxConcurrentExecutionCount: 0, maxExecutionDuration: 300_000, maxRetryDelay: 3_600_000, retryDelay: 1_000, taskName: 'items'});

    await insertExecutions(pool, tables, {capacity: null, hostname: 'other', instructions: [5, 6], now: Date.now(), taskId, token: randomUUID()});
    tracker.setView('items', []);
    tracker.setConcurrency('items', 3);

    const active = tracker.getActiveFromMemory('items');

    t.deepEqual(active, []);

    const claimed = await claimExecutions({activeTaskInstructions: active ?? [], claim, concurrency: 3, limit: 3, taskName: 'items'});

    t.deepEqual(claimed.map((execution) => execution.instruction), [1], 'three minus the two the view missed');
    t.is(calls.readActiveTaskInstructions, 1);
    t.deepEqual(await countExecutions(pool, schema), [{count: 3, state: 'RUNNING'}]);

    // A list the tracker did not serve is checked alike: the task is full, nothing is claimed.
    const refused = await claimExecutions({activeTaskInstructions: [], claim, concurrency: 3, limit: 1, taskName: 'items'});

    t.deepEqual(refused, []);
    t.is(calls.readActiveTaskInstructions, 2);
    t.deepEqual(await countExecutions(pool, schema), [{count: 3, state: 'RUNNING'}]);

    // Without a concurrency there is nothing to check: the limit is the caller's.
    const unchecked = await claimExecutions({activeTaskInstructions: [], claim, limit: 1, taskName: 'items'});

    t.deepEqual(unchecked.map((execution) => execution.instruction), [2]);
  });

  test(`${name}: admit_claim counts the store's own executions whatever the caller's search_path, and raises PT002 past the capacity`, async (t) => {
    const {pool, schema, tables} = await setUpClaim(t, get);
    const taskId = await upsertTask(pool, tables, {maxAttempts: 25, maxConcurrentExecutionCount: 0, maxExecutionDuration: 300_000, maxRetryDelay: 3_600_000, retryDelay: 1_000, taskName: 'items'});

    await insertExecutions(pool, tables, {capacity: null, hostname: 'other', instructions: [5, 6], now: Date.now(), taskId, token: randomUUID()});

    await pool.connect(async (connection) => {
      // A session whose search_path holds none of the store's tables.
      await connection.query(sql.type(z.object({}))`SET search_path TO pg_catalog`);

      try {
        const admitted = await connection.oneFirst(sql.type(z.object({active: z.number()}))`SELECT ${tables.admitClaim}(${taskId}::int4, ${randomUUID()}::uuid, 1, 3) AS active`);

        t.is(admitted, 2);

        const error = await t.throwsAsync(connection.query(sql.type(z.object({}))`SELECT ${tables.admitClaim}(${taskId}::int4, ${randomUUID()}::uuid, 2, 3)`));

        t.is(getSqlState(error), 'PT002');
      } finally {
        await connection.query(sql.type(z.object({}))`RESET search_path`);
      }
    });
  });

  test(`${name}: a claim that cannot be nested goes the separate way from then on, and its task is no longer served from memory`, async (t) => {
    const {claimExecutions, schema, tracker} = await setUpClaim(t, get);
    let built = 0;
    const claim = ({limit}: {readonly limit: number}) => {
      built++;

      return sql.type(z.object({id: z.number()}))`
        WITH claimed AS (
          UPDATE ${item(schema)} SET processed_count = 1
          WHERE id IN (SELECT id FROM ${item(schema)} WHERE processed_count = 0 ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
          RETURNING id
        )
        SELECT id FROM claimed ORDER BY id
      `;
    };

    tracker.setView('items', []);
    tracker.setConcurrency('items', 10);
    t.deepEqual((await claimExecutions({claim, limit: 1, taskName: 'items'})).map((execution) => execution.instruction), [1]);
    t.is(tracker.getActiveFromMemory('items'), null);
    t.deepEqual((await claimExecutions({claim, limit: 1, taskName: 'items'})).map((execution) => execution.instruction), [2]);
    t.is(built, 2, 'the query is built once per claim, fallback included');
  });

  test(`${name}: a claim query that is a WITH holding an UPDATE is claimed and recorded in one transaction too`, async (t) => {
    const {claimExecutions, pool, schema} = await setUpClaim(t, get);
    // PostgreSQL cannot nest this query in another WITH: the store claims it in two statements.
    const claim = ({limit}: {readonly limit: number}) => sql.type(z.object({id: z.number()}))`
      WITH claimed AS (
        UPDATE ${item(schema)} SET processed_count = 1
        WHERE id IN (SELECT id FROM ${item(schema)} WHERE processed_count = 0 ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        RETURNING id
      )
      SELECT id FROM claimed ORDER BY id
    `;

    const first = await claimExecutions({claim, limit: 2, taskName: 'items'});
    const second = await claimExecutions({claim, limit: 2, taskName: 'items'});

    t.deepEqual(first.map((execution) => execution.instruction), [1, 2]);
    t.deepEqual(second.map((execution) => execution.instruction), [3, 4]);
    t.deepEqual(await countExecutions(pool, schema), [{count: 4, state: 'RUNNING'}]);
  });

  test(`${name}: the claim keeps the claim query's order, drops duplicates, and accepts text instructions`, async (t) => {
    const {claimExecutions, schema} = await setUpClaim(t, get);
    const claimStrings = claimExecutions as unknown as PostgresStore<string>['claimExecutions'];

    const numbers = await claimExecutions({
      claim: () => sql.type(z.object({id: z.number()}))`SELECT id FROM ${item(schema)} WHERE id IN (5, 2, 4) ORDER BY id DESC`,
      limit: 3,
      taskName: 'numbers',
    });
    const duplicated = await claimExecutions({
      claim: () => sql.type(z.object({id: z.number()}))`SELECT 6 AS id UNION ALL SELECT 6`,
      limit: 2,
      taskName: 'numbers',
    });
    const strings = await claimStrings({
      claim: () => sql.type(z.object({name: z.string()}))`SELECT 'b''; DROP TABLE x; --' AS name UNION ALL SELECT 'ä'`,
      limit: 2,
      taskName: 'strings',
    });

    t.deepEqual(numbers.map((execution) => execution.instruction), [5, 4, 2]);
    t.deepEqual(duplicated.map((execution) => execution.instruction), [6]);
    t.deepEqual(strings.map((execution) => execution.instruction), ['b\'; DROP TABLE x; --', 'ä']);
  });

  test(`${name}: a claim that returns what is not an instruction records nothing and fails with a coded error`, async (t) => {
    const {claimExecutions, pool, schema} = await setUpClaim(t, get);

    for (const claim of [
      () => sql.type(z.object({value: z.boolean()}))`SELECT true AS value`,
      () => sql.type(z.object({value: z.null()}))`SELECT NULL::int AS value`,
      () => sql.type(z.object({value: z.number()}))`SELECT 'NaN'::float8 AS value`,
      () => sql.type(z.object({value: z.bigint()}))`SELECT 9223372036854775807::int8 AS value`,
    ]) {
      await t.throwsAsync(claimExecutions({claim, limit: 1, taskName: 'items'}), {code: 'UNEXPECTED_CLAIM_RESULT'});
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
    const {pool, schema, tables} = await setUpClaim(t, get);
    const taskId = await insertTask(pool, tables);

    const combine = async (claim: ReturnType<typeof sql.unsafe>, limit: number) => {
      return await claimAndInsertExecutions(pool, tables, {capacity: null, claim, hostname: 'test', limit, now: Date.now(), taskId, token: randomUUID(), types: ['integer']});
    };
    /** Marks three items (processed_count = -1) and returns them: one more than the limit of 2. */
    const claimThreeOfTwo = async () => await combine(sql.unsafe`UPDATE ${item(schema)} SET processed_count = -1 WHERE id <= 3 RETURNING id`, 2);
    const error = await t.throwsAsync(claimThreeOfTwo());

    t.is(getSqlState(error), 'PT001');
    t.is(await countMarked(pool, schema), 0);
    t.deepEqual(await countExecutions(pool, schema), []);

    // Even when nothing would be inserted (every claimed instruction is already running), the
    // check runs and the claim's own changes roll back.
    await combine(sql.unsafe`SELECT id FROM ${item(schema)} WHERE id <= 3`, 3);

    const again = await t.throwsAsync(claimThreeOfTwo());

    t.is(getSqlState(again), 'PT001');
    t.is(await countMarked(pool, schema), 0);
    t.deepEqual(await countExecutions(pool, schema), [{count: 3, state: 'RUNNING'}]);
  });

  test(`${name}: the combined statement rolls itself back (PT001) on a column type it does not convert exactly or an unsafe integer`, async (t) => {
    const {pool, schema, tables} = await setUpClaim(t, get);
    const taskId = await insertTask(pool, tables);
    const attempt = async (claim: ReturnType<typeof sql.unsafe>, types: readonly string[]) => {
      return await t.throwsAsync(claimAndInsertExecutions(pool, tables, {capacity: null, claim, hostname: 'test', limit: 10, now: Date.now(), taskId, token: randomUUID(), types}));
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
      token: randomUUID(),
      types: ['bigint'],
    });

    t.deepEqual(rows.filter((row) => row.id !== null).map((row) => row.instruction), [9_007_199_254_740_991]);
    t.is(await countMarked(pool, schema), 1);
  });
}
