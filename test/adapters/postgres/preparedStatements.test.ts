/**
 * Named prepared statements (the store's `preparedStatements` option) on the real server: PGlite's
 * driver runs every statement unnamed, so only a server session can hold them.
 */
import test from 'ava';
import {createPool, type DatabasePool, type Interceptor, sql} from 'slonik';
import {z} from 'zod';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import {getSqlState} from '../../../src/adapters/postgres/getSqlState.ts';
import {createSchemaName, dropSchema} from '../../helpers/postgres.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {countExecutions, createItemClaim, createItems} from './helpers/items.ts';

/** What the pool was asked to run: each statement's name (undefined: unnamed) and each failure's SQLSTATE. */
const createRecorder = () => {
  const names: Array<string | undefined> = [];
  const failures: unknown[] = [];
  const interceptor: Interceptor = {
    beforeQueryExecution: (_context, query) => {
      names.push(query.name);

      return null;
    },
    name: 'recorder',
    queryExecutionError: (_context, _query, error) => {
      failures.push(getSqlState(error));

      return null;
    },
  };

  return {failures, interceptor, names};
};

/** A `resetConnection` that leaves the session as it is. */
const keepSession = async () => {
  // Nothing to reset: the tests' connections carry no state but the prepared statements.
};

const selectPlantonStatements = async (pool: DatabasePool) => {
  return await pool.anyFirst(sql.type(z.object({name: z.string()}))`
    SELECT name FROM pg_prepared_statements WHERE name LIKE 'planton\_%' ORDER BY name
  `);
};

/** Claims every item of a fresh schema (`count` rows, `rounds` claims) and completes each execution on the pool. */
const claimAndComplete = async (pool: DatabasePool, options: {readonly preparedStatements?: boolean; readonly rounds: number}) => {
  const schema = createSchemaName();
  const store = await createPostgresStore<number>({pool, preparedStatements: options.preparedStatements, reaperInterval: 0, schema});

  try {
    await createItems(pool, schema, options.rounds * 2);
    await store.registerTask({name: 'items'});

    for (let round = 0; round < options.rounds; round++) {
      const claimed = await store.claimExecutions({claim: createItemClaim(schema), limit: 2, taskName: 'items'});

      if (claimed.length !== 2) {
        throw new Error(`Round ${round} claimed ${claimed.length} executions, expected 2.`);
      }

      await store.completeExecutions(claimed);
    }

    return await countExecutions(pool, schema);
  } finally {
    await store.terminate();
    await dropSchema(pool, schema);
  }
};

requireEnvironment({variable: 'PLANTON_TEST_DATABASE_URL'}, (url) => {
  test('a pool that keeps its sessions runs the store\'s statements prepared, under names of their own', async (t) => {
    const recorder = createRecorder();
    // One connection that is never reset: every statement lands in the session that prepared it.
    const pool = await createPool(url, {interceptors: [recorder.interceptor], maxPoolSize: 1, resetConnection: keepSession});

    try {
      t.deepEqual(await claimAndComplete(pool, {rounds: 3}), [{count: 6, state: 'COMPLETED'}]);

      const prepared = await selectPlantonStatements(pool);

      // At least the combined claim and the batch completion, each prepared once.
      t.true(prepared.length >= 2, `prepared: ${prepared.join(', ')}`);
      t.is(new Set(prepared).size, prepared.length);
      t.deepEqual(recorder.failures, []);
      // The claim of the second and third rounds reused the first one's name.
      const names = recorder.names.filter((name) => name !== undefined);

      t.true(names.length > new Set(names).size);
    } finally {
      await pool.end();
    }
  });

  test('a pool that discards its sessions (DISCARD ALL) costs one failed statement: naming stops, nothing is lost', async (t) => {
    const recorder = createRecorder();
    // slonik's default resetConnection runs DISCARD ALL on release, dropping the session's statements.
    const pool = await createPool(url, {interceptors: [recorder.interceptor], maxPoolSize: 1});

    try {
      t.deepEqual(await claimAndComplete(pool, {rounds: 4}), [{count: 8, state: 'COMPLETED'}]);
      t.deepEqual(recorder.failures, ['26000']);

      // After the failure, every statement ran unnamed.
      const failedAt = recorder.names.findLastIndex((name) => name !== undefined);

      t.true(failedAt > 0);
      t.true(recorder.names.slice(failedAt + 1).every((name) => name === undefined));
      t.true(recorder.names.length > failedAt + 4);
    } finally {
      await pool.end();
    }
  });

  test('an interceptor that changes each statement\'s text (a trace comment) turns naming off; nothing is lost', async (t) => {
    const recorder = createRecorder();
    let traced = 0;
    const tracer: Interceptor = {
      name: 'tracer',
      transformQuery: (_context, query) => ({...query, sql: `${query.sql} /* trace ${++traced} */`}),
    };
    const pool = await createPool(url, {interceptors: [tracer, recorder.interceptor], maxPoolSize: 1, resetConnection: keepSession});

    try {
      t.deepEqual(await claimAndComplete(pool, {rounds: 3}), [{count: 6, state: 'COMPLETED'}]);
      // node-postgres refused the second text under a name before sending it: no SQLSTATE.
      t.deepEqual(recorder.failures, [null]);
      t.true(traced > 6);
    } finally {
      await pool.end();
    }
  });

  test('preparedStatements false runs every statement unnamed', async (t) => {
    const recorder = createRecorder();
    const pool = await createPool(url, {interceptors: [recorder.interceptor], maxPoolSize: 1, resetConnection: keepSession});

    try {
      t.deepEqual(await claimAndComplete(pool, {preparedStatements: false, rounds: 2}), [{count: 4, state: 'COMPLETED'}]);
      t.true(recorder.names.length > 4);
      t.true(recorder.names.every((name) => name === undefined));
      t.deepEqual(await selectPlantonStatements(pool), []);
    } finally {
      await pool.end();
    }
  });
});

test('rejects a preparedStatements that is not a boolean', async (t) => {
  await t.throwsAsync(createPostgresStore({pool: {transaction: () => undefined} as never, preparedStatements: 'yes' as never}), {
    code: 'INVALID_STORE_CONFIGURATION',
    message: 'Expected `preparedStatements` to be a boolean, got `"yes"`.',
  });
});
