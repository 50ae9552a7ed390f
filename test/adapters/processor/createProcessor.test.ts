/**
 * createProcessor on a real store (PGlite always, the server when PLANTON_TEST_DATABASE_URL is set),
 * and on an in-memory store for what does not need a database.
 */
import {PGlite} from '@electric-sql/pglite';
import test from 'ava';
import {createPool, type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {ExecutionNotRunningError} from '../../../src/adapters/errors.ts';
import {createPglitePool} from '../../../src/adapters/pglite/createPglitePool.ts';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import type {PostgresStore} from '../../../src/adapters/postgres/types.ts';
import {createProcessor} from '../../../src/adapters/processor/createProcessor.ts';
import type {Processor, ProcessorConfiguration, ProcessorEvents, ProcessorStore} from '../../../src/adapters/processor/types.ts';
import type {ExecutionReference} from '../../../src/adapters/types.ts';
import {createEmitter} from '../../../src/planton/createEmitter.ts';
import {type Clock, createPlanton, type Planton, type PlantonEvents, type TaskConfiguration} from '../../../src/index.ts';
import {countEvents} from '../../helpers/countEvents.ts';
import {createDeferred, createManualClock, flush} from '../../helpers/createManualClock.ts';
import {type Backend, createSchemaName, dropSchema, useBackends} from '../../helpers/postgres.ts';
import {until} from '../../helpers/until.ts';
import {countExecutions, createItemClaim, createItems} from '../postgres/helpers/items.ts';

const backends = useBackends();

const TASK = 'items';

type SetUpOptions = {
  /** The pool teardown drops the schema with, when `pool` may be gone by then. */
  readonly dropWith?: DatabasePool;
  /** Items in the table (instructions 1…items). */
  readonly items: number;
  /** Planton's clock (the store and the processor keep theirs unless given below). */
  readonly plantonClock?: Clock;
  readonly processor: Omit<ProcessorConfiguration<number>, 'planton' | 'store'>;
  /** The store as the processor sees it (to count or break its calls). */
  readonly processorStore?: (store: PostgresStore<number>) => ProcessorStore<number>;
  readonly task?: Partial<TaskConfiguration<number>>;
};

/**
 * A fresh schema with `items` items, a store, a Planton claiming them for task `items` and a
 * processor on it. Teardown terminates the Planton, stops the processor and drops the schema.
 */
const setUp = async (t: {teardown: (callback: () => Promise<void>) => void}, pool: DatabasePool, options: SetUpOptions) => {
  const schema = createSchemaName();
  const store = await createPostgresStore<number>({pool, reaperInterval: 0, schema});

  await createItems(pool, schema, options.items);

  const planton = createPlanton<number>({
    ...options.plantonClock ? {clock: options.plantonClock} : {},
    getActiveTaskInstructions: store.getActiveTaskInstructions,
    tasks: [{
      calculateDelay: (attemptNumber) => attemptNumber === 0 ? 0 : 10,
      concurrency: options.items,
      name: TASK,
      schedule: store.createSchedule(createItemClaim(schema)),
      ...options.task,
    }],
  });
  const processor = createProcessor<number>({...options.processor, planton, store: options.processorStore?.(store) ?? store});
  const errors = countEvents(processor.events, 'error');

  t.teardown(async () => {
    await planton.terminate();
    await processor.stop();
    await store.terminate();
    await dropSchema(options.dropWith ?? pool, schema);
  });

  return {errors, planton, processor, schema, store};
};

/** Marks the item processed: the work a handler does. */
const markProcessed = async (pool: DatabasePool, schema: string, id: number) => {
  await pool.query(sql.type(z.object({}))`
    UPDATE ${sql.identifier([schema, 'item'])} SET processed_count = processed_count + 1 WHERE id = ${id}
  `);
};

const selectExecutions = async (pool: DatabasePool, schema: string) => {
  return await pool.any(sql.type(z.object({code: z.string().nullable(), instruction: z.number(), message: z.string().nullable(), state: z.string()}))`
    SELECT (instruction #>> '{}')::int4 AS instruction, state, error->>'code' AS code, error->>'message' AS message
    FROM ${sql.identifier([schema, 'maintenance_task_execution'])}
    ORDER BY id
  `);
};

/** A pool of its own, which a test may end: a new PGlite, or a new pool on the server. */
const createOwnPool = async (backend: Backend) => {
  if (backend.connectionUri !== null) {
    return {close: async () => undefined, pool: await createPool(backend.connectionUri, {maxPoolSize: 2})};
  }

  const pglite = await PGlite.create();

  return {close: async () => {
    await pglite.close();
  }, pool: await createPglitePool({pglite})};
};

for (const {get, name} of backends) {
  test(`${name}: runs every instruction once and completes the executions of the handlers that finish together in one statement`, async (t) => {
    const {pool} = await get();
    const batches: number[] = [];
    let calls = 0;
    const {processor, schema} = await setUp(t, pool, {
      items: 200,
      processor: {handlers: {[TASK]: async (instruction, context) => {
        t.is(context.taskName, TASK);
        t.is(typeof context.executionId, 'number');
        calls++;
        await markProcessed(pool, schema, instruction);
      }}},
      processorStore: (store) => ({
        ...store,
        completeExecutions: async (references) => {
          batches.push(references.length);

          return await store.completeExecutions(references);
        },
      }),
    });
    const completed = countEvents(processor.events, 'completed');

    await completed.until(200);
    t.is(calls, 200);
    t.deepEqual(await countExecutions(pool, schema), [{count: 200, state: 'COMPLETED'}]);
    t.is(batches.reduce((sum, size) => sum + size, 0), 200);
    // 200 handlers, claimed in a round or two: their completions go out in a few statements, not 200.
    t.true(batches.length < 50, `${batches.length} completion statements`);
    t.true(Math.max(...batches) > 1);
    t.like(processor.getStats(), {completed: 200, failed: 0, inFlight: 0});
  });

  test(`${name}: never runs more handlers at once than \`concurrency\``, async (t) => {
    const {pool} = await get();
    let running = 0;
    let maximum = 0;
    const {planton, processor, schema} = await setUp(t, pool, {
      items: 60,
      processor: {concurrency: 4, handlers: {[TASK]: async (instruction) => {
        running++;
        maximum = Math.max(maximum, running);
        // Let the other instructions of the round try to start meanwhile.
        await flush(3);
        await markProcessed(pool, schema, instruction);
        running--;
      }}},
    });

    await countEvents(processor.events, 'completed').until(60);
    await planton.terminate();
    await processor.stop();
    t.is(maximum, 4);
    t.is(running, 0);
  });

  test(`${name}: a handler that throws fails its execution with the serialized error (failures written together), and the instruction runs again`, async (t) => {
    const {pool} = await get();
    const thrown = new Set<number>();
    const failureBatches: number[] = [];
    const {processor, schema} = await setUp(t, pool, {
      items: 20,
      processor: {handlers: {[TASK]: (instruction) => {
        if (instruction % 2 === 0 && !thrown.has(instruction)) {
          thrown.add(instruction);

          // Synchronously, with a code: the store keeps both.
          throw Object.assign(new Error(`item ${instruction} broke`), {code: 'ITEM_BROKE'});
        }

        return markProcessed(pool, schema, instruction);
      }}},
      processorStore: (store) => ({
        ...store,
        failExecutions: async (failures) => {
          failureBatches.push(failures.length);

          return await store.failExecutions(failures);
        },
      }),
    });
    const failed = countEvents(processor.events, 'failed');

    await countEvents(processor.events, 'completed').until(20);
    await failed.until(10);

    const executions = await selectExecutions(pool, schema);

    t.is(executions.filter(({state}) => state === 'COMPLETED').length, 20);
    t.deepEqual(executions.filter(({state}) => state === 'FAILED').map(({code, instruction, message}) => ({code, instruction, message})).sort((a, b) => a.instruction - b.instruction), [2, 4, 6, 8, 10, 12, 14, 16, 18, 20].map((instruction) => ({code: 'ITEM_BROKE', instruction, message: `item ${instruction} broke`})));
    t.like(failed.payloads[0], {error: {code: 'ITEM_BROKE'}, taskName: TASK});
    t.is(failureBatches.reduce((sum, size) => sum + size, 0), 10);
    t.true(failureBatches.length < 10, `${failureBatches.length} failure statements`);
    t.like(processor.getStats(), {completed: 20, failed: 10});
  });

  test(`${name}: a \`{batch}\` handler gets the instructions that arrive together in one call; the ones it maps to an error fail, the others complete`, async (t) => {
    const {pool} = await get();
    const batches: number[][] = [];
    const {processor, schema} = await setUp(t, pool, {
      items: 50,
      processor: {handlers: {[TASK]: {batch: async (instructions, {taskName}) => {
        t.is(taskName, TASK);
        batches.push([...instructions]);

        // Item 7 fails the first time only; the rest are processed with one statement.
        const failures = new Map(instructions.filter((instruction) => instruction === 7 && batches.flat().filter((seen) => seen === 7).length === 1).map((instruction) => [instruction, new Error('item 7 broke')]));

        await pool.query(sql.type(z.object({}))`
          UPDATE ${sql.identifier([schema, 'item'])} SET processed_count = processed_count + 1
          WHERE id = ANY(${sql.array(instructions.filter((instruction) => !failures.has(instruction)), 'int4')})
        `);

        return failures;
      }, batchSize: 20}}},
    });

    await countEvents(processor.events, 'completed').until(50);

    t.true(batches.length < 20, `${batches.length} batch calls`);
    t.true(batches.every((batch) => batch.length <= 20));
    t.is(Math.max(...batches.map((batch) => batch.length)), 20);
    t.deepEqual((await selectExecutions(pool, schema)).filter(({state}) => state === 'FAILED').map(({instruction, message}) => ({instruction, message})), [{instruction: 7, message: 'item 7 broke'}]);
    t.deepEqual(await countExecutions(pool, schema), [{count: 50, state: 'COMPLETED'}, {count: 1, state: 'FAILED'}]);
    t.like(processor.getStats(), {completed: 50, failed: 1});
  });

  test(`${name}: triggers the task after each completion, so a freed slot is claimed at once rather than after the task's delay`, async (t) => {
    const {pool} = await get();
    const clock = createManualClock();
    const {planton, processor, schema} = await setUp(t, pool, {
      items: 5,
      plantonClock: clock,
      processor: {handlers: {[TASK]: async (instruction) => {
        await markProcessed(pool, schema, instruction);
      }}},
      // One at a time, and a minute between rounds that are not triggered.
      task: {calculateDelay: () => 60_000, concurrency: 1},
    });
    const completed = countEvents(processor.events, 'completed');

    await until(() => clock.pendingTimers() === 1);
    planton.trigger(TASK);
    await completed.until(5);

    t.is(clock.now(), 0, 'no time passed');
    t.deepEqual(completed.payloads.map(({instruction}) => instruction), [1, 2, 3, 4, 5]);
    t.deepEqual(await countExecutions(pool, schema), [{count: 5, state: 'COMPLETED'}]);
  });

  test(`${name}: stop() waits for the running handlers and writes their outcomes before it resolves`, async (t) => {
    const {pool} = await get();
    const started = createDeferred<void>();
    const finish = createDeferred<void>();
    let running = 0;
    const {planton, processor, schema} = await setUp(t, pool, {
      items: 3,
      // Never given up: the default stopTimeout (10 s of real time) passed once on a machine at load 20 to 29.
      processor: {handlers: {[TASK]: async (instruction) => {
        running++;

        if (running === 3) {
          started.resolve();
        }

        await finish.promise;

        if (instruction === 3) {
          throw new Error('the third broke');
        }
      }}, stopTimeout: Number.POSITIVE_INFINITY},
    });

    await started.promise;
    await planton.terminate();

    let stopped = false;
    const stopping = processor.stop().then(() => {
      stopped = true;
    });

    await flush(20);
    t.false(stopped);
    t.is(processor.getStats().inFlight, 3);

    finish.resolve();
    await stopping;

    t.like(processor.getStats(), {completed: 2, failed: 1, inFlight: 0});
    t.deepEqual(await countExecutions(pool, schema), [{count: 2, state: 'COMPLETED'}, {count: 1, state: 'FAILED'}]);
  });

  test(`${name}: after stopTimeout, stop() aborts the handlers' signal and releases what is running or waiting (PROCESSOR_STOPPED), so it is scheduled again`, async (t) => {
    const {pool} = await get();
    const clock = createManualClock();
    const signals: AbortSignal[] = [];
    const {planton, processor, schema} = await setUp(t, pool, {
      items: 2,
      // One runs and ignores its signal; the other waits for the slot.
      processor: {clock, concurrency: 1, handlers: {[TASK]: async (_instruction, {signal}) => {
        signals.push(signal);
        await new Promise(() => undefined);
      }}, stopTimeout: 5_000},
    });

    await until(() => signals.length === 1 && processor.getStats().inFlight === 2);
    await planton.terminate();

    let stopped = false;
    const stopping = processor.stop().then(() => {
      stopped = true;
    });

    await clock.advance(4_999);
    t.false(stopped);
    t.false(signals[0]?.aborted);

    await clock.advance(1);
    await stopping;

    t.true(signals[0]?.aborted);
    t.is(signals.length, 1, 'the waiting handler never ran');
    t.deepEqual((await selectExecutions(pool, schema)).map(({code, state}) => ({code, state})), [
      {code: 'PROCESSOR_STOPPED', state: 'FAILED'},
      {code: 'PROCESSOR_STOPPED', state: 'FAILED'},
    ]);
    t.like(processor.getStats(), {completed: 0, failed: 0, inFlight: 0});
  });

  test(`${name}: an instruction of a task without a handler fails with PROCESSOR_HANDLER_MISSING, reported on \`error\``, async (t) => {
    const {pool} = await get();
    const clock = createManualClock();
    const {errors, planton, processor, schema} = await setUp(t, pool, {
      items: 1,
      plantonClock: clock,
      processor: {handlers: {other: () => undefined}},
      task: {calculateDelay: () => 60_000},
    });

    await until(() => clock.pendingTimers() === 1);
    planton.trigger(TASK);
    await errors.until(1);
    await planton.terminate();
    await processor.stop();

    t.like(errors.payloads[0]?.error, {code: 'PROCESSOR_HANDLER_MISSING', instruction: 1, taskName: TASK});
    t.like(await selectExecutions(pool, schema), [{code: 'PROCESSOR_HANDLER_MISSING', instruction: 1, state: 'FAILED'}]);
  });

  test(`${name}: when the database goes away, completions are retried and reported (PROCESSOR_STORE_ERROR), then given up at the stop deadline, with no unhandled rejection`, async (t) => {
    const backend = await get();
    const own = await createOwnPool(backend);
    const clock = createManualClock();
    const started = createDeferred<void>();
    const finish = createDeferred<void>();
    const {errors, planton, processor} = await setUp(t, own.pool, {
      dropWith: backend.pool,
      items: 1,
      processor: {clock, handlers: {[TASK]: async () => {
        started.resolve();
        await finish.promise;
      }}, stopTimeout: 10_000},
    });

    t.teardown(own.close);
    await started.promise;
    await planton.terminate();
    await own.pool.end();
    finish.resolve();

    await errors.until(1);
    t.like(errors.payloads[0]?.error, {attempt: 1, code: 'PROCESSOR_STORE_ERROR', count: 1, operation: 'COMPLETE', retrying: true});

    // Retried after 100 ms, 200 ms, …
    await clock.advance(100);
    await errors.until(2);
    t.like(errors.payloads[1]?.error, {attempt: 2, retrying: true});

    let stopped = false;
    const stopping = processor.stop().then(() => {
      stopped = true;
    });

    await clock.advance(9_999);
    t.false(stopped);
    await clock.advance(1);
    await stopping;

    t.like(errors.payloads.at(-1)?.error, {code: 'PROCESSOR_STORE_ERROR', retrying: false});
    t.like(processor.getStats(), {completed: 0, inFlight: 0});
  });
  test(`${name}: stop() resolves when a store call never settles: it waits stopTimeout and a 5 s grace, then reports the outcomes it abandoned (PROCESSOR_OUTCOMES_ABANDONED)`, async (t) => {
    const {pool} = await get();
    const clock = createManualClock();
    const {errors, planton, processor, schema} = await setUp(t, pool, {
      items: 2,
      processor: {clock, handlers: {[TASK]: () => undefined}, stopTimeout: 1_000},
      processorStore: (store) => ({
        ...store,
        completeExecutions: async () => await new Promise<never>(() => undefined),
      }),
    });

    await until(() => processor.getStats().inFlight === 2);
    await planton.terminate();

    let stopped = false;
    const stopping = processor.stop().then(() => {
      stopped = true;
    });

    await clock.advance(1_000);
    t.false(stopped, 'the grace after stopTimeout');
    await clock.advance(4_999);
    t.false(stopped);
    await clock.advance(1);
    t.true(stopped);
    await stopping;

    t.like(errors.payloads.at(-1)?.error, {code: 'PROCESSOR_OUTCOMES_ABANDONED', count: 2});
    // The reaper frees them.
    t.deepEqual(await countExecutions(pool, schema), [{count: 2, state: 'RUNNING'}]);
  });
  test(`${name}: an error whose message holds a NUL byte is stored (NUL as U+FFFD) and does not hold the outcomes written with it`, async (t) => {
    const {pool} = await get();
    const thrown = new Set<number>();
    const {errors, processor, schema} = await setUp(t, pool, {
      items: 3,
      processor: {clock: createManualClock(), handlers: {[TASK]: (instruction) => {
        if (instruction !== 3 && !thrown.has(instruction)) {
          thrown.add(instruction);

          throw new Error(instruction === 1 ? 'bad \u0000 byte' : 'ordinary');
        }

        return markProcessed(pool, schema, instruction);
      }}, stopTimeout: 0},
    });
    const failed = countEvents(processor.events, 'failed');
    const completed = countEvents(processor.events, 'completed');

    // Both failures recorded, or a write failed (no retry comes: the processor's clock does not move).
    await until(() => failed.payloads.length === 2 || errors.payloads.length > 0);

    t.deepEqual(errors.payloads, []);
    t.deepEqual((await selectExecutions(pool, schema)).filter(({state}) => state === 'FAILED').map(({instruction, message}) => ({instruction, message})).sort((a, b) => a.instruction - b.instruction), [
      {instruction: 1, message: 'bad \uFFFD byte'},
      {instruction: 2, message: 'ordinary'},
    ]);
    // Then run again, and complete.
    await completed.until(3);
  });
  test(`${name}: a failure the store refuses is split from the failures written with it (after two failed writes): they land, it alone keeps being retried and reported`, async (t) => {
    const {pool} = await get();
    const clock = createManualClock();
    const thrown = new Set<number>();
    const {errors, planton, processor, schema} = await setUp(t, pool, {
      items: 3,
      processor: {clock, handlers: {[TASK]: (instruction) => {
        if (instruction !== 3 && !thrown.has(instruction)) {
          thrown.add(instruction);

          throw new Error(instruction === 1 ? 'poison' : 'ordinary');
        }

        return markProcessed(pool, schema, instruction);
      }}, stopTimeout: 1_000},
      // A store that cannot store one of the errors, refusing every statement that holds it.
      processorStore: (store) => ({
        ...store,
        failExecutions: async (failures) => {
          if (failures.some(({error}) => (error as Error).message === 'poison')) {
            throw new Error('cannot store this error');
          }

          return await store.failExecutions(failures);
        },
      }),
    });
    const failed = countEvents(processor.events, 'failed');
    const completed = countEvents(processor.events, 'completed');

    await errors.until(1);
    t.like(errors.payloads[0]?.error, {attempt: 1, code: 'PROCESSOR_STORE_ERROR', count: 2, operation: 'FAIL'});
    await clock.advance(100);
    await failed.until(1);

    t.like(errors.payloads[1]?.error, {attempt: 2, count: 2});
    t.like(errors.payloads[2]?.error, {attempt: 1, count: 1, retrying: true});
    t.like(failed.payloads[0], {error: {message: 'ordinary'}, instruction: 2});
    // The success and the ordinary failure's next run land too.
    await completed.until(2);
    t.deepEqual((await selectExecutions(pool, schema)).filter(({instruction}) => instruction !== 3).map(({instruction, message, state}) => ({instruction, message, state})).sort((a, b) => a.instruction - b.instruction || a.state.localeCompare(b.state)), [
      {instruction: 1, message: null, state: 'RUNNING'},
      {instruction: 2, message: null, state: 'COMPLETED'},
      {instruction: 2, message: 'ordinary', state: 'FAILED'},
    ]);

    // The refused one alone is still retried and reported, until the stop deadline gives it up.
    await clock.advance(100);
    await errors.until(4);
    t.like(errors.payloads[3]?.error, {attempt: 2, count: 1, retrying: true});
    await planton.terminate();

    const stopping = processor.stop();

    await clock.advance(1_000);
    await stopping;
    t.like(errors.payloads.at(-1)?.error, {count: 1, retrying: false});
    t.like(processor.getStats(), {completed: 2, failed: 1, inFlight: 0});
  });
}

/** An in-memory store without the batch forms: ids 1…n RUNNING, ended ones throw EXECUTION_NOT_RUNNING. */
const createMemoryStore = (count: number) => {
  const states = new Map<number, string>(Array.from({length: count}, (_, index) => [index + 1, 'RUNNING']));
  const calls: string[] = [];

  const end = async (reference: ExecutionReference<number>, state: string) => {
    const id = 'executionId' in reference ? reference.executionId : -1;

    calls.push(`${state} ${id}`);

    if (states.get(id) !== 'RUNNING') {
      throw new ExecutionNotRunningError(reference);
    }

    states.set(id, state);
  };

  const store: ProcessorStore<number> = {
    completeExecution: async (reference) => {
      await end(reference, 'COMPLETED');
    },
    failExecution: async (reference) => {
      await end(reference, 'FAILED');
    },
    getClaimedExecutionId: ({instruction}) => instruction,
  };

  return {calls, states, store};
};

/** A stand-in for Planton: the test emits `task` events itself and counts triggers. */
const createFakePlanton = () => {
  const events = createEmitter<PlantonEvents<number>>(() => undefined);
  const triggers: string[] = [];
  const planton: Pick<Planton<number>, 'events' | 'trigger'> = {
    events,
    trigger: (taskName) => {
      triggers.push(taskName);
    },
  };

  return {emit: (instruction: number) => {
    events.emit('task', {instruction, taskName: TASK});
  }, planton, triggers};
};

test('rejects an invalid configuration with a coded error', (t) => {
  const {planton} = createFakePlanton();
  const {store} = createMemoryStore(0);
  const handlers = {[TASK]: () => undefined};

  t.throws(() => createProcessor({handlers, planton, store: {} as never}), {code: 'INVALID_PROCESSOR_CONFIGURATION', message: 'Expected `store` to have a `completeExecution` function, got `{}`.'});
  t.throws(() => createProcessor({handlers: {[TASK]: 'no'} as never, planton, store}), {code: 'INVALID_PROCESSOR_CONFIGURATION', message: 'Expected the handler of task `items` to be a function or `{batch}` with a function, got `"no"`.'});
  t.throws(() => createProcessor({handlers: {[TASK]: {batch: () => undefined, batchSize: 0}}, planton, store}), {code: 'INVALID_PROCESSOR_CONFIGURATION', message: 'Expected `handlers.items.batchSize` to be an integer >= 1, got `0`.'});
  t.throws(() => createProcessor({concurrency: 0, handlers, planton, store}), {code: 'INVALID_PROCESSOR_CONFIGURATION', message: 'Expected `concurrency` to be an integer >= 1 or Infinity, got `0`.'});
  t.throws(() => createProcessor({completionBatchSize: 1.5, handlers, planton, store}), {code: 'INVALID_PROCESSOR_CONFIGURATION', message: 'Expected `completionBatchSize` to be an integer >= 1, got `1.5`.'});
  t.throws(() => createProcessor({handlers, planton, stopTimeout: -1, store}), {code: 'INVALID_PROCESSOR_CONFIGURATION', message: 'Expected `stopTimeout` to be a number >= 0, got `-1`.'});
  t.throws(() => createProcessor({handlers, planton: {} as never, store}), {code: 'INVALID_PROCESSOR_CONFIGURATION', message: 'Expected `planton` to be a Planton (events and trigger), got `{}`.'});
});

test('works on a store without the batch forms: one call per outcome, an execution already ended still counts as done', async (t) => {
  const {emit, planton, triggers} = createFakePlanton();
  const {calls, states, store} = createMemoryStore(3);
  const processor = createProcessor<number>({handlers: {[TASK]: async (instruction) => {
    if (instruction === 2) {
      throw new Error('two broke');
    }
  }}, planton, store});
  const done = countEvents(processor.events, 'completed');
  const failed = countEvents(processor.events, 'failed');

  // Ended elsewhere (the reaper) while its handler runs.
  states.set(3, 'TERMINATED');
  emit(1);
  emit(2);
  emit(3);
  await done.until(2);
  await failed.until(1);
  await processor.stop();

  t.deepEqual(calls.sort(), ['COMPLETED 1', 'COMPLETED 3', 'FAILED 2']);
  t.deepEqual([...states], [[1, 'COMPLETED'], [2, 'FAILED'], [3, 'TERMINATED']]);
  // Outcomes recorded together trigger their task once.
  t.true(triggers.length > 0 && triggers.length <= 3);
  t.true(triggers.every((taskName) => taskName === TASK));
});

test('triggers a task after its outcomes, but not one whose last round had free slots and found nothing', async (t) => {
  const {emit, planton, triggers} = createFakePlanton();
  const {store} = createMemoryStore(2);
  let attemptNumber = 0;
  const processor = createProcessor<number>({handlers: {[TASK]: () => undefined}, planton: {...planton, getStats: () => ({[TASK]: {attemptNumber, errors: 0, instructionsEmitted: 0, lastRoundDurationMs: null, roundInFlight: false, rounds: 0}})}, store});
  const done = countEvents(processor.events, 'completed');

  emit(1);
  await done.until(1);
  await flush();
  t.deepEqual(triggers, [TASK]);

  attemptNumber = 1;
  emit(2);
  await done.until(2);
  await flush();
  t.deepEqual(triggers, [TASK]);

  await processor.stop();
});

test('a listener that throws, or an async listener that rejects, neither stops the processor nor crashes the process', async (t) => {
  const {emit, planton} = createFakePlanton();
  const {states, store} = createMemoryStore(2);
  const processor: Processor<number> = createProcessor<number>({handlers: {[TASK]: () => undefined}, planton, store});
  const listeners: Array<keyof ProcessorEvents<number>> = [];

  processor.events.on('completed', () => {
    listeners.push('completed');

    throw new Error('listener broke');
  });
  processor.events.on('completed', async () => {
    await Promise.resolve();

    throw new Error('async listener broke');
  });

  const done = countEvents(processor.events, 'completed');

  emit(1);
  emit(2);
  await done.until(2);
  await processor.stop();

  t.deepEqual(listeners, ['completed', 'completed']);
  t.deepEqual([...states.values()], ['COMPLETED', 'COMPLETED']);
});

test('an instruction that arrives while stop() waits is released (PROCESSOR_STOPPED on `error`), not run', async (t) => {
  const {emit, planton} = createFakePlanton();
  const {states, store} = createMemoryStore(2);
  const finish = createDeferred<void>();
  const ran: number[] = [];
  const processor = createProcessor<number>({handlers: {[TASK]: async (instruction) => {
    ran.push(instruction);
    await finish.promise;
  }}, planton, store});
  const errors = countEvents(processor.events, 'error');

  emit(1);
  await until(() => ran.length === 1);

  const stopping = processor.stop();

  emit(2);
  await errors.until(1);
  finish.resolve();
  await stopping;

  t.deepEqual(ran, [1]);
  t.like(errors.payloads[0]?.error, {code: 'PROCESSOR_STOPPED', instruction: 2, taskName: TASK});
  t.deepEqual([...states], [[1, 'COMPLETED'], [2, 'FAILED']]);
});

test('a store error nested too deep to serialize is still reported on `error` (logged within a bounded depth)', async (t) => {
  const {emit, planton} = createFakePlanton();
  const {store} = createMemoryStore(1);
  const clock = createManualClock();
  let deep: Record<string, unknown> = {};

  for (let index = 0; index < 100_000; index++) {
    deep = {inner: deep};
  }

  const processor = createProcessor<number>({clock, handlers: {[TASK]: () => undefined}, planton, stopTimeout: 0, store: {
    ...store,
    completeExecution: async () => {
      throw Object.assign(new Error('store broke'), {deep});
    },
  }});
  const errors = countEvents(processor.events, 'error');

  emit(1);
  await errors.until(1);
  t.like(errors.payloads[0]?.error, {code: 'PROCESSOR_STORE_ERROR', operation: 'COMPLETE', retrying: true});
  await processor.stop();
});

test('a job that gets its slot just as the stop deadline passes is released (PROCESSOR_STOPPED), not started with an aborted signal', async (t) => {
  // A clock whose one step wakes every sleeper at once: the handler's end and the stop deadline
  // land in the same turn, a few microtasks apart in some order; try each.
  for (let hops = 0; hops < 8; hops++) {
    const sleepers: Array<() => void> = [];
    const clock: Clock = {
      now: () => 0,
      sleep: async (_milliseconds, signal) => {
        if (!signal?.aborted) {
          await new Promise<void>((resolve) => {
            sleepers.push(resolve);
            signal?.addEventListener('abort', () => {
              resolve();
            }, {once: true});
          });
        }
      },
    };
    const {emit, planton} = createFakePlanton();
    const {states, store} = createMemoryStore(2);
    const finish = createDeferred<void>();
    const ran: number[] = [];
    const startedAborted: number[] = [];
    const processor = createProcessor<number>({clock, concurrency: 1, handlers: {[TASK]: async (instruction, {signal}) => {
      ran.push(instruction);

      if (signal.aborted) {
        startedAborted.push(instruction);
      }

      // The first ends when the test says; the second ignores its signal (released at the deadline if it started before it).
      await (instruction === 1 ? finish.promise : new Promise(() => undefined));
    }}, planton, stopTimeout: 1_000, store});

    emit(1);
    emit(2);
    await until(() => ran.length === 1);

    const stopping = processor.stop();

    await until(() => sleepers.length === 1);
    finish.resolve();

    for (let hop = 0; hop < hops; hop++) {
      await Promise.resolve();
    }

    for (const wake of sleepers.splice(0)) {
      wake();
    }

    await flush();
    t.deepEqual(startedAborted, [], `${hops} microtasks apart`);
    await stopping;

    // Started before the deadline and released at it, or released as it got its slot: FAILED either way.
    t.deepEqual([...states], [[1, 'COMPLETED'], [2, 'FAILED']], `${hops} microtasks apart`);
  }
});

test('an outcome the store refuses, alone in its write, stops holding the write slot once others wait for it', async (t) => {
  const {emit, planton} = createFakePlanton();
  const {states, store} = createMemoryStore(2);
  const clock = createManualClock();
  const processor = createProcessor<number>({clock, completionConcurrency: 1, handlers: {[TASK]: (instruction) => {
    if (instruction === 1) {
      throw new Error('poison');
    }
  }}, planton, stopTimeout: 1_000, store: {
    ...store,
    failExecution: async (reference, error) => {
      if ((error as Error).message === 'poison') {
        throw new Error('cannot store this error');
      }

      await store.failExecution(reference, error);
    },
  }});
  const errors = countEvents(processor.events, 'error');
  const completed = countEvents(processor.events, 'completed');

  emit(1);
  await errors.until(1);
  // Its only write slot is taken by the refused failure's retries when the next outcome arrives.
  emit(2);
  await clock.advance(100);
  await completed.until(1);

  t.like(errors.payloads[1]?.error, {attempt: 2, count: 1, retrying: true});
  t.deepEqual([...states], [[1, 'RUNNING'], [2, 'COMPLETED']]);

  const stopping = processor.stop();

  await clock.advance(1_000);
  await stopping;
  t.like(errors.payloads.at(-1)?.error, {count: 1, retrying: false});
});
