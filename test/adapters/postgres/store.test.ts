/**
 * The PostgreSQL store's own behaviour (migrations, its SQL, NOTIFY, the view of active
 * instructions). What every store must do is the conformance kit's, run in test/testing.
 */
import test from 'ava';
import {sql} from 'slonik';
import {z} from 'zod';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import type {PostgresStore} from '../../../src/adapters/postgres/types.ts';
import type {WakeReason} from '../../../src/adapters/types.ts';
import {createPlanton} from '../../../src/index.ts';
import {createDeferred, createManualClock} from '../../helpers/createManualClock.ts';
import {type Backend, useBackends} from '../../helpers/postgres.ts';
import {recordEvents} from '../../helpers/recordEvents.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {until} from '../../helpers/until.ts';
import {runHostileTask} from '../helpers/runHostileTask.ts';
import {defineServerTests} from './helpers/defineServerTests.ts';
import {countExecutions, countItems, createItemClaim, createItems, processItem} from './helpers/items.ts';
import {setUpStoreSchema} from './helpers/setUpStoreSchema.ts';

requireEnvironment({variable: 'PLANTON_TEST_DATABASE_URL'}, (connectionUri) => {
  defineServerTests(test, connectionUri);
});

const backends = useBackends();

const empty = z.object({});

const setUp = setUpStoreSchema;

test('rejects an invalid configuration with a coded error', async (t) => {
  await t.throwsAsync(createPostgresStore({pool: undefined as never}), {code: 'INVALID_STORE_CONFIGURATION', message: 'Expected `pool` to be a slonik DatabasePool, got `undefined`.'});
  await t.throwsAsync(createPostgresStore({pool: {transaction: () => undefined} as never, schema: ''}), {code: 'INVALID_STORE_CONFIGURATION', message: 'Expected `schema` to be a non-empty string of at most 63 bytes, got `""`.'});
  await t.throwsAsync(createPostgresStore({heartbeatInterval: 0, pool: {transaction: () => undefined} as never}), {code: 'INVALID_STORE_CONFIGURATION'});
});

for (const {get, name} of backends) {
  test(`${name}: several stores starting at once apply the schema exactly once`, async (t) => {
    const {backend, createStore, schema} = await setUp(t, get);

    await Promise.all([createStore(), createStore(), createStore()]);
    await createStore();

    const versions = await backend.pool.anyFirst(sql.type(z.object({version: z.number()}))`
      SELECT version FROM ${sql.identifier([schema, 'planton_migration'])}
    `);
    const tables = await backend.pool.anyFirst(sql.type(z.object({table_name: z.string()}))`
      SELECT table_name::text FROM information_schema.tables WHERE table_schema = ${schema} ORDER BY table_name
    `);

    t.deepEqual(versions, [1, 2, 3, 4, 5]);
    t.deepEqual(tables, ['maintenance_task', 'maintenance_task_execution', 'maintenance_task_instruction_retry', 'planton_migration']);
  });

  test(`${name}: claim and record are one transaction: a claim that fails leaves its own writes undone, nothing claimed or recorded`, async (t) => {
    const {backend, createStore, schema} = await setUp(t, get);
    const store = await createStore();

    await createItems(backend.pool, schema, 5);

    // The claim marks rows (processed_count = -1) and returns 5 of them, more than the limit of 2.
    const error = await t.throwsAsync(store.claimExecutions({
      claim: () => sql.type(z.object({id: z.number()}))`
        UPDATE ${sql.identifier([schema, 'item'])} SET processed_count = -1 RETURNING id
      `,
      limit: 2,
      taskName: 'mark',
    }));

    t.like(error, {code: 'UNEXPECTED_CLAIM_RESULT'});
    t.like(await countItems(backend.pool, schema), {done: 0, total: 5});
    t.is(await backend.pool.oneFirst(sql.type(z.object({count: z.number()}))`
      SELECT count(*)::int4 AS count FROM ${sql.identifier([schema, 'item'])} WHERE processed_count = -1
    `), 0);
    t.deepEqual(await countExecutions(backend.pool, schema), []);
  });

  test(`${name}: concurrency comes from maximum_concurrent_execution_count when it is above 0`, async (t) => {
    const {backend, createStore, schema} = await setUp(t, get);
    const store = await createStore();

    await store.registerTask({name: 'limited'});
    t.is(await store.getTaskConcurrency({concurrency: 7, taskName: 'limited'}), 7);

    await backend.pool.query(sql.type(empty)`
      UPDATE ${sql.identifier([schema, 'maintenance_task'])} SET maximum_concurrent_execution_count = 3 WHERE nid = 'limited'
    `);
    t.is(await store.getTaskConcurrency({concurrency: 7, taskName: 'limited'}), 3);
    // Registering again leaves the operator's setting alone.
    await store.registerTask({maxConcurrentExecutionCount: 0, name: 'limited'});
    t.is(await store.getTaskConcurrency({concurrency: 7, taskName: 'limited'}), 3);
  });

  test(`${name}: the reaper runs on its own interval and heartbeats keep claimed executions alive`, async (t) => {
    const {backend, createStore, schema} = await setUp(t, get);
    const clock = createManualClock(Date.parse('2030-01-01T00:00:00Z'));
    const worker = await createStore({clock, heartbeatInterval: 10_000});
    const reaper = await createStore({clock, reaperInterval: 30_000});
    const reapedEvent = createDeferred<readonly unknown[]>();

    reaper.events.once('reaped', ({executions}) => {
      reapedEvent.resolve(executions.map((execution) => execution.instruction));
    });

    await createItems(backend.pool, schema, 2);
    await worker.registerTask({maxExecutionDuration: 25_000, name: 'items'});
    await worker.claimExecutions({claim: createItemClaim(schema), limit: 1, taskName: 'items'});

    const lastSeen = async () => {
      return await backend.pool.oneFirst(sql.type(z.object({seconds: z.number()}))`
        SELECT extract(epoch FROM max(last_seen_at))::float8 AS seconds FROM ${sql.identifier([schema, 'maintenance_task_execution'])}
      `);
    };

    const startedAt = await lastSeen();

    // Every loop re-arms its timer once its run is over: 3 timers = worker heartbeat, reaper
    // heartbeat and reaper pass are all idle again, so time may move on.
    const idle = async (timers: number) => {
      await until(async () => clock.pendingTimers() === timers);
    };

    // Heartbeats at +10 s and +20 s.
    await clock.advance(10_000);
    await until(async () => await lastSeen() === startedAt + 10);
    await idle(3);
    await clock.advance(10_000);
    await until(async () => await lastSeen() === startedAt + 20);
    await idle(3);

    // The worker "crashes"; the reaper's pass at +30 s sees a heartbeat 10 s old: alive.
    await worker.terminate();
    await clock.advance(10_000);
    await idle(2);
    t.deepEqual(await worker.getActiveTaskInstructions('items', {signal: new AbortController().signal}), [1]);

    // At +60 s the last heartbeat is 40 s old, over the 25 s limit.
    await clock.advance(30_000);
    t.deepEqual(await reapedEvent.promise, [1]);
    t.deepEqual(await countExecutions(backend.pool, schema), [{count: 1, state: 'TERMINATED'}]);
  });

  test(`${name}: a NOTIFY from the table trigger wakes the loop long before the polling delay`, async (t) => {
    const {backend, createStore, schema} = await setUp(t, get);
    const listener = backend.createListener();

    t.teardown(async () => {
      await listener.terminate();
    });

    const store = await createStore({listener});

    await createItems(backend.pool, schema, 0);
    await store.installNotifyTrigger({table: [schema, 'item'], taskName: 'items'});
    await store.installNotifyTrigger({table: [schema, 'item'], taskName: 'items'});

    const planton = createPlanton<number>({
      getActiveTaskInstructions: store.getActiveTaskInstructions,
      tasks: [{
        // An hour: without the wake-up nothing would be dispatched within the test's timeout.
        calculateDelay: () => 3_600_000,
        concurrency: 10,
        name: 'items',
        schedule: store.createSchedule(createItemClaim(schema)),
      }],
    });

    t.teardown(async () => {
      await planton.terminate();
    });

    const reasons: WakeReason[] = [];

    await store.subscribe({
      onWake: (reason) => {
        reasons.push(reason);
        planton.trigger('items');
      },
      taskName: 'items',
    });

    const dispatched = createDeferred<number>();

    planton.events.once('task', ({instruction}) => {
      dispatched.resolve(instruction);
    });

    const insertedAt = Date.now();

    await backend.pool.query(sql.type(empty)`INSERT INTO ${sql.identifier([schema, 'item'])} (id) VALUES (42)`);

    t.is(await dispatched.promise, 42);
    // Far below the one-hour polling delay, with room for a loaded machine.
    t.true(Date.now() - insertedAt < 600_000);
    t.true(reasons.includes('NOTIFICATION'));
    t.is(planton.getStats().items?.rounds, 1);
  });

  test(`${name}: hostile task names and instructions round-trip unchanged`, async (t) => {
    const {backend, createStore, schema} = await setUp(t, get);
    const listener = backend.createListener();

    t.teardown(async () => {
      await listener.terminate();
    });

    const store = await createStore({listener});
    const taskName = `Robert'); DROP TABLE maintenance_task;-- "ünïcødé" 🚀 \\ $1 $$`;
    const instructions = [`'; SELECT pg_sleep(10); --`, `"double" 'single'`, 'ünïcødé 🚀 日本語', '$$ dollar $$ $1', 'back\\slash \\x00', ' '];

    await backend.pool.query(sql.type(empty)`CREATE TABLE ${sql.identifier([schema, 'hostile'])} (value text PRIMARY KEY, done boolean NOT NULL DEFAULT false)`);

    for (const value of instructions) {
      await backend.pool.query(sql.type(empty)`INSERT INTO ${sql.identifier([schema, 'hostile'])} (value) VALUES (${value})`);
    }

    const woken = createDeferred<WakeReason>();

    await store.subscribe({onWake: woken.resolve, taskName});
    await store.notifyTask(taskName);
    t.is(await woken.promise, 'NOTIFICATION');

    await runHostileTask(t, {
      failExecution: async (event, error) => {
        await (store as unknown as PostgresStore<string>).failExecution(event, error);
      },
      getActiveTaskInstructions: store.getActiveTaskInstructions as never,
      instructions,
      schedule: (store as unknown as PostgresStore<string>).createSchedule(({isActiveInstruction, limit}) => sql.type(z.object({value: z.string()}))`
        SELECT h.value FROM ${sql.identifier([schema, 'hostile'])} h
        WHERE NOT h.done AND NOT ${isActiveInstruction(sql.fragment`h.value`)}
        ORDER BY h.value
        LIMIT ${limit}
      `),
      taskName,
    });

    const stored = await backend.pool.any(sql.type(z.object({instruction: z.string(), message: z.string(), nid: z.string()}))`
      SELECT e.instruction #>> '{}' AS instruction, e.error ->> 'message' AS message, t.nid
      FROM ${sql.identifier([schema, 'maintenance_task_execution'])} e
      JOIN ${sql.identifier([schema, 'maintenance_task'])} t ON t.id = e.maintenance_task_id
    `);

    t.is(stored.length, instructions.length);
    t.true(stored.every((row) => row.nid === taskName && row.message === row.instruction));
    t.deepEqual(stored.map((row) => row.instruction).sort(), [...instructions].sort());
  });

  test(`${name}: two engines on one database dispatch every instruction exactly once`, async (t) => {
    const {backend, createStore, schema} = await setUp(t, get);
    const total = 2_000;

    await createItems(backend.pool, schema, total);

    const engines = await Promise.all([createStore(), createStore()].map(async (storePromise) => {
      const store = await storePromise;
      const planton = createPlanton<number>({
        getActiveTaskInstructions: store.getActiveTaskInstructions,
        tasks: [{
          calculateDelay: () => 0,
          concurrency: 100,
          name: 'items',
          schedule: store.createSchedule(createItemClaim(schema)),
        }],
      });
      const errors: unknown[] = [];
      let processed = 0;

      planton.events.on('error', ({error}) => {
        errors.push(error);
      });
      planton.events.on('task', (event) => {
        void processItem(backend.pool, store, schema, event).then(() => {
          processed++;
        }, (error: unknown) => {
          errors.push(error);
        });
      });

      return {errors, planton, processed: () => processed};
    }));

    t.teardown(async () => {
      await Promise.all(engines.map(async ({planton}) => {
        await planton.terminate();
      }));
    });

    await until(async () => engines.reduce((sum, engine) => sum + engine.processed(), 0) >= total, 50_000);
    await Promise.all(engines.map(async ({planton}) => {
      await planton.terminate();
    }));

    t.deepEqual(engines.flatMap((engine) => engine.errors), []);
    t.is(engines.reduce((sum, engine) => sum + engine.processed(), 0), total);
    t.deepEqual(await countItems(backend.pool, schema), {done: total, duplicated: 0, total});
    t.deepEqual(await countExecutions(backend.pool, schema), [{count: total, state: 'COMPLETED'}]);
  });
}

/** The pool, counting the statements a store sends through it that succeeded (transactions count as one). */
const countStatements = (pool: Backend['pool']) => {
  let count = 0;
  const counted = new Set(['any', 'anyFirst', 'many', 'manyFirst', 'maybeOne', 'maybeOneFirst', 'one', 'oneFirst', 'query', 'transaction']);
  const proxy = new Proxy(pool, {
    get: (target, property, receiver) => {
      const value = Reflect.get(target, property, receiver) as unknown;

      if (typeof property === 'string' && counted.has(property) && typeof value === 'function') {
        // Counted once it succeeded: a named statement that a reset connection lost (SQLSTATE
        // 26000) fails before it runs and is sent again unnamed; that retry is the one that reads.
        return async (...parameters: unknown[]) => {
          const result = await (value as (...values: unknown[]) => Promise<unknown>).apply(target, parameters);

          count++;

          return result;
        };
      }

      return value;
    },
  });

  return {count: () => count, pool: proxy};
};

for (const {get, name} of backends) {
  test(`${name}: after a claim, getActiveTaskInstructions answers from memory, and the database still bounds concurrency when another store claimed meanwhile`, async (t) => {
    const {backend, createStore, schema} = await setUp(t, get);
    const counting = countStatements(backend.pool);
    const first = await createStore({heartbeatInterval: 3_600_000, pool: counting.pool});
    const second = await createStore();
    const claim = createItemClaim(schema);
    const scheduleFirst = first.createSchedule(claim);
    const scheduleSecond = second.createSchedule(claim);
    const signal = new AbortController().signal;
    const round = async (schedule: typeof scheduleFirst, store: PostgresStore<number>, limit: number) => {
      const activeTaskInstructions = await store.getActiveTaskInstructions('items', {signal});

      return await schedule({activeTaskInstructions, concurrency: 3, limit: Math.min(limit, 3 - activeTaskInstructions.length), signal, taskName: 'items'});
    };

    await createItems(backend.pool, schema, 10);
    t.deepEqual(await round(scheduleFirst, first, 1), [1]);

    // The second round of the first store: no query to learn what is active.
    const before = counting.count();

    t.deepEqual(await first.getActiveTaskInstructions('items', {signal}), [1]);
    t.is(counting.count(), before);

    // The second store claims two more: the task is at its concurrency of 3, which the first store does not know.
    t.deepEqual(await round(scheduleSecond, second, 2), [2, 3]);
    t.deepEqual(await round(scheduleFirst, first, 2), [], 'the database refused a fourth');
    t.deepEqual(await countExecutions(backend.pool, schema), [{count: 3, state: 'RUNNING'}]);

    // Once the second store ends one, the first claims exactly one.
    await second.completeExecution({instruction: 2, taskName: 'items'});
    t.deepEqual(await first.getActiveTaskInstructions('items', {signal}), [1, 3]);
    t.deepEqual(await round(scheduleFirst, first, 3), [2], 'its item was not marked done, so it is eligible again');
    t.deepEqual(await countExecutions(backend.pool, schema), [{count: 1, state: 'COMPLETED'}, {count: 3, state: 'RUNNING'}]);
  });

  test(`${name}: with activeFromMemory false, every getActiveTaskInstructions reads the database`, async (t) => {
    const {backend, createStore, schema} = await setUp(t, get);
    const counting = countStatements(backend.pool);
    // No background heartbeat (every 10 s by default): on a slow run it beat between the two counts.
    const store = await createStore({activeFromMemory: false, heartbeatInterval: 3_600_000, pool: counting.pool});
    const signal = new AbortController().signal;
    const schedule = store.createSchedule(createItemClaim(schema));

    await createItems(backend.pool, schema, 3);
    t.deepEqual(await schedule({activeTaskInstructions: await store.getActiveTaskInstructions('items', {signal}), concurrency: 3, limit: 1, signal: new AbortController().signal, taskName: 'items'}), [1]);

    const before = counting.count();

    t.deepEqual(await store.getActiveTaskInstructions('items', {signal}), [1]);
    t.is(counting.count(), before + 1);
    await t.throwsAsync(createStore({activeFromMemory: 'yes' as never}), {code: 'INVALID_STORE_CONFIGURATION'});
  });
}
