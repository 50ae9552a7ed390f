/**
 * The task's concurrency across processes on MySQL/MariaDB: stores with pools of their own
 * (separate connections, as separate processes have) claim ONE task at once, round after round;
 * the task never has more RUNNING executions than its concurrency, and no item is claimed twice.
 */
import test from 'ava';
import {createPool, type Pool} from 'mysql2/promise';
import {createMysqlStore} from '../../../src/adapters/mysql/createMysqlStore.ts';
import type {MysqlStore} from '../../../src/adapters/mysql/types.ts';
import {createMysqlName} from '../../helpers/mysql.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {claimConcurrentRounds} from '../helpers/claimConcurrentRounds.ts';
import {countRunning, createItemClaim, createItems} from './helpers/items.ts';

const STORES = 4;
const CONCURRENCY = 3;
const ROUNDS = 25;

requireEnvironment({skipTitle: 'mysql: the concurrency holds across stores', variable: 'PLANTON_TEST_MYSQL_URL'}, (url) => {
  test(`${STORES} stores with pools of their own claiming one task at once never run more than its concurrency`, async (t) => {
    const pools = Array.from({length: STORES + 1}, () => createPool({connectionLimit: 2, uri: url}));
    const [observer, ...storePools] = pools as [Pool, ...Pool[]];
    const database = createMysqlName();
    const stores: Array<MysqlStore<number>> = [];

    t.teardown(async () => {
      await Promise.all(stores.map(async (store) => {
        await store.terminate();
      }));
      await observer.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await Promise.all(pools.map(async (pool) => {
        await pool.end();
      }));
    });

    await createItems(observer, database, 500);
    // Started at once: their migrations serialize on GET_LOCK.
    stores.push(...await Promise.all(storePools.map(async (pool) => await createMysqlStore<number>({database, pollInterval: 0, pool, reaperInterval: 0}))));

    const {claimed: claimedInstructions, maximum, rejected} = await claimConcurrentRounds({
      claim: createItemClaim(database),
      concurrency: CONCURRENCY,
      countRunning: async () => await countRunning(observer, database),
      // The work: the items are processed.
      onClaimed: async (done) => {
        await observer.query(`UPDATE \`${database}\`.item SET processed_count = processed_count + 1 WHERE id IN (?)`, [done]);
      },
      rounds: ROUNDS,
      stores,
    });

    t.deepEqual(rejected, []);
    t.log(`at most ${maximum} RUNNING executions over ${ROUNDS} rounds (${claimedInstructions.length} claimed)`);
    t.true(maximum <= CONCURRENCY, `at most ${maximum} RUNNING executions, more than the concurrency of ${CONCURRENCY}`);
    t.true(claimedInstructions.length >= ROUNDS, 'each round claims');
    t.is(new Set(claimedInstructions).size, claimedInstructions.length, 'no item was claimed twice');
  });

  test('two stores claiming without a concurrency never claim one item twice', async (t) => {
    const pools = [createPool({connectionLimit: 3, uri: url}), createPool({connectionLimit: 3, uri: url})] as const;
    const database = createMysqlName();
    const stores: Array<MysqlStore<number>> = [];

    t.teardown(async () => {
      await Promise.all(stores.map(async (store) => {
        await store.terminate();
      }));
      await pools[0].query(`DROP DATABASE IF EXISTS \`${database}\``);
      await Promise.all(pools.map(async (pool) => {
        await pool.end();
      }));
    });

    await createItems(pools[0], database, 300);
    stores.push(...await Promise.all(pools.map(async (pool) => await createMysqlStore<number>({database, pollInterval: 0, pool, reaperInterval: 0}))));

    const claim = createItemClaim(database);
    const claimed: number[] = [];

    // Both claim at once, again and again, without completing: every item once, until none is left.
    for (;;) {
      const batches = await Promise.all(stores.flatMap((store) => [1, 2].map(async () => await store.claimExecutions({claim, limit: 7, taskName: 'items'}))));
      const instructions = batches.flat().map(({instruction}) => instruction);

      if (instructions.length === 0) {
        break;
      }

      claimed.push(...instructions);
    }

    t.is(claimed.length, 300);
    t.is(new Set(claimed).size, 300);
    t.is(await countRunning(pools[0], database), 300);
  });
});
