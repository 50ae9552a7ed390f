/**
 * Planton: createPlanton + the PostgreSQL store, in the scenario every store shares
 * (bench/stores/measureDispatchThroughput.ts). Several tasks (claim loops) share one claim query
 * on the user table (`FOR UPDATE SKIP LOCKED` keeps them apart); each claim records its executions
 * in the same transaction; completions go out in batches of `completeExecutions`.
 */
import {createPool} from 'slonik';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import {createPostgresDispatchTarget} from '../../stores/backends/postgresTarget.ts';
import {dispatchSettings, measureDispatchThroughput} from '../../stores/measureDispatchThroughput.ts';
import {createItemTable, createSchemaName, dropSchema} from '../database.ts';
import {BENCH_URL, JOB_COUNT} from '../settings.ts';

/** The pool size won a sweep on this machine; override to explore (BENCH_PLANTON_POOL). */
const POOL_SIZE = Number(process.env.BENCH_PLANTON_POOL ?? 6);

export const settings = `${dispatchSettings}, slonik pool ${POOL_SIZE} without DISCARD ALL on release`;

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

    const result = await measureDispatchThroughput(createPostgresDispatchTarget({
      insert: async () => {
        throw new Error('The throughput scenario inserts nothing.');
      },
      pool,
      schema,
      settings,
      store,
    }), JOB_COUNT);

    await store.terminate();

    return {...result, settings};
  } finally {
    await pool.end();
    await dropSchema(schema);
  }
};
