/**
 * Planton: createPlanton + the PostgreSQL store. Several tasks (claim loops) share one claim query
 * on the user table (`FOR UPDATE SKIP LOCKED` keeps them apart); each claim records its executions
 * in the same transaction; a no-op processor hands every `task` event to a batcher that completes
 * executions with one `completeExecutions` statement per batch.
 */
import {performance} from 'node:perf_hooks';
import {createPool, sql} from 'slonik';
import {z} from 'zod';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import type {PostgresClaim, PostgresStore} from '../../../src/adapters/postgres/types.ts';
import type {ExecutionReference} from '../../../src/adapters/types.ts';
import {createPlanton} from '../../../src/index.ts';
import {createDeferred, createItemTable, createSchemaName, dropSchema, waitUntilZero, withClient} from '../database.ts';
import {BENCH_URL, JOB_COUNT} from '../settings.ts';

/** The settings below won a sweep on this machine; each can be overridden to explore (BENCH_PLANTON_*). */
const TASKS = Number(process.env.BENCH_PLANTON_TASKS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_PLANTON_CONCURRENCY ?? 20_000);
const POOL_SIZE = Number(process.env.BENCH_PLANTON_POOL ?? 6);
const CLAIM_BATCH = Number(process.env.BENCH_PLANTON_CLAIM_BATCH ?? 1_000);
const COMPLETION_BATCH = Number(process.env.BENCH_PLANTON_COMPLETION_BATCH ?? 4_000);
const MAX_FLUSHES = Number(process.env.BENCH_PLANTON_FLUSHES ?? 1);

/**
 * Marks the rows it claims (claimed_at), so it needs no `isActiveInstruction`: a claimed row is no
 * longer eligible. The same query as the raw loop. `= ANY(ARRAY(…))` rather than `IN (…)`: the
 * planner then fetches the locked ids by index instead of hashing a scan of the whole table.
 */
export const createClaim = (schema: string): PostgresClaim<number> => {
  const item = sql.identifier([schema, 'item']);
  // Built once, not per claim: constructing a zod schema costs about a tenth of a millisecond.
  const row = z.object({id: z.number()});

  return ({limit}) => sql.type(row)`
    UPDATE ${item} SET claimed_at = now()
    WHERE id = ANY(ARRAY(
      SELECT id FROM ${item} WHERE claimed_at IS NULL ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED
    ))
    RETURNING id
  `;
};

/**
 * Collects completions and writes them with one statement per batch: at most `maxFlushes` statements
 * in flight, a batch goes out on the next macrotask (so one round's events travel together) or as
 * soon as it holds `batchSize` references.
 */
const createCompletionBatcher = (store: PostgresStore<number>, onCompleted: (count: number) => void, onError: (error: unknown) => void) => {
  let pending: Array<ExecutionReference<number>> = [];
  let inFlight = 0;
  let scheduled = false;

  const flush = () => {
    scheduled = false;

    while (pending.length > 0 && inFlight < MAX_FLUSHES) {
      const batch = pending.slice(0, COMPLETION_BATCH);

      pending = pending.slice(batch.length);
      inFlight++;
      store.completeExecutions(batch).then((notRunning) => {
        onCompleted(batch.length - notRunning.length);
      }, onError).finally(() => {
        inFlight--;
        schedule();
      });
    }
  };

  function schedule () {
    if (!scheduled && pending.length > 0) {
      scheduled = true;
      setImmediate(flush);
    }
  }

  return {
    add: (reference: ExecutionReference<number>) => {
      pending.push(reference);
      schedule();
    },
  };
};

export const settings = `${TASKS} tasks (claim loops) x concurrency ${CONCURRENCY}, calculateLimit min(${CLAIM_BATCH}, free), slonik pool ${POOL_SIZE} without DISCARD ALL on release, calculateDelay 0 (5 ms after an empty round), completeExecutions batches up to ${COMPLETION_BATCH} (${MAX_FLUSHES} in flight), heartbeat 60 s, reaper off`;

export const measure = async () => {
  const schema = createSchemaName('planton');
  const pool = await createPool(BENCH_URL, {
    maximumPoolSize: POOL_SIZE,
    // slonik's default runs DISCARD ALL on every release: one more round trip per query.
    resetConnection: process.env.BENCH_PLANTON_DISCARD ? undefined : async () => {
      // The bench's connections carry no session state.
    },
  });

  try {
    const store = await createPostgresStore<number>({heartbeatInterval: 60_000, pool, reaperInterval: 0, schema});

    await createItemTable(schema, JOB_COUNT);

    const taskNames = Array.from({length: TASKS}, (_, index) => `items_${index}`);

    for (const name of taskNames) {
      await store.registerTask({name});
    }

    const done = createDeferred<void>();
    let completed = 0;
    const batcher = createCompletionBatcher(store, (count) => {
      completed += count;

      if (completed >= JOB_COUNT) {
        done.resolve();
      }
    }, done.reject);
    const claim = createClaim(schema);

    const startedAt = performance.now();
    const planton = createPlanton<number>({
      getActiveTaskInstructions: store.getActiveTaskInstructions,
      tasks: taskNames.map((name) => ({
        calculateDelay: (attemptNumber) => attemptNumber === 0 ? 0 : 5,
        calculateLimit: (concurrency, active) => Math.min(CLAIM_BATCH, concurrency - active.length),
        concurrency: CONCURRENCY,
        name,
        schedule: store.createSchedule(claim),
      })),
    });

    planton.events.on('error', ({error}) => {
      done.reject(error);
    });
    planton.events.on('task', (event) => {
      // The no-op processor.
      batcher.add(event);
    });

    await done.promise;
    await withClient(async (client) => {
      await waitUntilZero(client, `SELECT count(*) FROM ${client.escapeIdentifier(schema)}.maintenance_task_execution WHERE ended_at IS NULL`);
      const {rows} = await client.query<{count: number}>(`SELECT count(*)::int AS count FROM ${client.escapeIdentifier(schema)}.maintenance_task_execution WHERE state = 'COMPLETED'`);

      if (rows[0]?.count !== JOB_COUNT) {
        throw new Error(`Expected ${JOB_COUNT} completed executions, found ${String(rows[0]?.count)}.`);
      }
    });

    const elapsedMs = performance.now() - startedAt;

    await planton.terminate();
    await store.terminate();

    return {elapsedMs: Math.round(elapsedMs), rowsPerSecond: Math.round(JOB_COUNT / (elapsedMs / 1_000)), settings};
  } finally {
    await pool.end();
    await dropSchema(schema);
  }
};
