/**
 * createClaimRecovery on every backend: a lookup that finds nothing drops the token (the claim did
 * not commit), one that fails keeps it, and what a token committed is tracked and handed out once.
 */
import {randomUUID} from 'node:crypto';
import test from 'ava';
import {applyMigrations} from '../../../src/adapters/postgres/applyMigrations.ts';
import {createClaimRecovery} from '../../../src/adapters/postgres/createClaimRecovery.ts';
import {createExecutionTracker} from '../../../src/adapters/postgres/createExecutionTracker.ts';
import {createPreparedStatements, type QueryMethods} from '../../../src/adapters/postgres/createPreparedStatements.ts';
import {createTables, insertExecutions, upsertTask} from '../../../src/adapters/postgres/queries/index.ts';
import {createSystemClock} from '../../../src/index.ts';
import {useBackends, useFreshSchema} from '../../helpers/postgres.ts';

const backends = useBackends();

for (const {get, name} of backends) {
  test(`${name}: a lookup that finds nothing drops the token; one that fails keeps it; what a token committed is handed out once`, async (t) => {
    const {pool} = await get();
    const schema = useFreshSchema(t, pool);

    await applyMigrations({pool, schema});

    const tables = createTables(schema);
    const statements = createPreparedStatements(pool, {enabled: false});
    const taskId = await upsertTask(statements, tables, {maxAttempts: 25, maxConcurrentExecutionCount: 0, maxExecutionDuration: 300_000, maxRetryDelay: 3_600_000, retryDelay: 1_000, taskName: 'items'});
    const tracker = createExecutionTracker<number>({activeFromMemory: true});
    let lookups = 0;
    let failing = false;
    /** The statements, counting the lookups and failing them while `failing`. */
    const counted: QueryMethods = {
      ...statements,
      any: async (query) => {
        lookups++;

        if (failing) {
          throw new Error('connection lost');
        }

        return await statements.any(query);
      },
    };
    const recovery = createClaimRecovery<number>({clock: createSystemClock(), statements: counted, tables, tracker});

    // Nothing to look up: no statement.
    await recovery.recover('items');
    t.is(lookups, 0);

    // A claim that did not commit: looked up once, then forgotten.
    recovery.remember('items', taskId, randomUUID());
    await recovery.recover('items');
    await recovery.recover('items');
    t.is(lookups, 1);
    t.is(recovery.countPending('items'), 0);

    // A claim that committed, looked up while the database is unreachable: kept for the next lookup.
    const token = randomUUID();
    const committed = await insertExecutions(statements, tables, {capacity: null, hostname: 'test', instructions: [7, 8], now: Date.now(), taskId, token});

    recovery.remember('items', taskId, token);
    failing = true;
    await t.throwsAsync(recovery.recover('items'), {message: 'connection lost'});
    failing = false;
    await recovery.recover('items');
    t.is(lookups, 3);
    t.is(recovery.countPending('items'), 2);
    t.deepEqual(tracker.getClaimedExecutionIds(), committed.map((execution) => execution.id), 'tracked, so heartbeated');
    t.deepEqual(recovery.excludePending('items', [7, 8, 9]), [9], 'not active for the engine until a claim returns them');

    t.deepEqual(recovery.takePending('items', 1).map((execution) => execution.instruction), [7]);
    t.deepEqual(recovery.takePending('items', 5).map((execution) => execution.instruction), [8]);
    await recovery.recover('items');
    t.is(lookups, 3, 'found once, the token is dropped');
  });
}
