/**
 * The task's concurrency across processes: stores with pools of their own (separate connections,
 * as separate processes have) claim ONE task at once, round after round, and the task never has
 * more RUNNING executions than its concurrency, whichever way the claim goes and wherever the
 * active instructions come from. The conformance kit's own concurrency test (test/testing) runs
 * the default way (a combined claim, activeFromMemory true); these are the PostgreSQL store's other
 * ways, with the count polled the whole time.
 */
import test from 'ava';
import {createPool, type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import type {PostgresClaim, PostgresStore} from '../../../src/adapters/postgres/types.ts';
import {createSchemaName, dropSchema} from '../../helpers/postgres.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {claimConcurrentRounds} from '../helpers/claimConcurrentRounds.ts';
import {createItemClaim, createItems} from './helpers/items.ts';

const STORES = 4;
const CONCURRENCY = 3;
const ROUNDS = 30;

/** Claims like createItemClaim, as a WITH holding an UPDATE: it cannot be nested, so it goes the separate way (a transaction). */
const createSeparateItemClaim = (schema: string): PostgresClaim<number> => {
  return ({isActiveInstruction, limit}) => sql.type(z.object({id: z.number()}))`
    WITH picked AS (
      UPDATE ${sql.identifier([schema, 'item'])} SET processed_count = processed_count
      WHERE id IN (
        SELECT i.id FROM ${sql.identifier([schema, 'item'])} i
        WHERE i.processed_count = 0 AND NOT ${isActiveInstruction(sql.fragment`i.id`)}
        ORDER BY i.id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id
    )
    SELECT id FROM picked ORDER BY id
  `;
};

const countRunning = async (pool: DatabasePool, schema: string) => {
  return await pool.oneFirst(sql.type(z.object({count: z.number()}))`
    SELECT count(*)::int4 AS count FROM ${sql.identifier([schema, 'maintenance_task_execution'])} WHERE ended_at IS NULL
  `);
};

requireEnvironment({skipTitle: 'the concurrency holds across stores', variable: 'PLANTON_TEST_DATABASE_URL'}, (connectionUri) => {
  const scenarios = [
    {activeFromMemory: false, claimWay: 'combined'},
    {activeFromMemory: true, claimWay: 'separate'},
  ] as const;

  for (const {activeFromMemory, claimWay} of scenarios) {
    test(`${STORES} stores with pools of their own claiming one task at once never run more than its concurrency (${claimWay} claim, activeFromMemory ${String(activeFromMemory)})`, async (t) => {
      const pools = await Promise.all(Array.from({length: STORES + 1}, async () => await createPool(connectionUri, {maxPoolSize: 2})));
      const [observer, ...storePools] = pools as [DatabasePool, ...DatabasePool[]];
      const schema = createSchemaName();
      const stores: Array<PostgresStore<number>> = [];

      t.teardown(async () => {
        await Promise.all(stores.map(async (store) => {
          await store.terminate();
        }));
        await dropSchema(observer, schema);
        await Promise.all(pools.map(async (pool) => {
          await pool.end();
        }));
      });

      await createItems(observer, schema, 500);

      for (const pool of storePools) {
        stores.push(await createPostgresStore<number>({activeFromMemory, pool, reaperInterval: 0, schema}));
      }

      // The count, polled on a connection of its own the whole time, besides after each round.
      const {claimed, maximum, polls} = await claimConcurrentRounds({
        claim: claimWay === 'combined' ? createItemClaim(schema) : createSeparateItemClaim(schema),
        concurrency: CONCURRENCY,
        countRunning: async () => await countRunning(observer, schema),
        rounds: ROUNDS,
        stores,
      });
      const claimedCount = claimed.length;

      t.log(`at most ${maximum} RUNNING executions over ${ROUNDS} rounds (${claimedCount} claimed, ${polls} polls)`);
      t.true(maximum <= CONCURRENCY, `at most ${maximum} RUNNING executions, more than the concurrency of ${CONCURRENCY}`);
      t.true(claimedCount >= ROUNDS, 'each round claims');
    });
  }
});
