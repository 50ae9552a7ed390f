/**
 * The task's concurrency across stores sharing one file: two stores on two connections of this
 * process and one in a child process claim one task at once until no work is left; the task never
 * has more RUNNING executions than its concurrency, and no instruction is claimed twice.
 */
import test from 'ava';
import {DatabaseSync} from 'node:sqlite';
import {fileURLToPath} from 'node:url';
import {createSqliteStore} from '../../../src/adapters/sqlite/createSqliteStore.ts';
import type {SqliteStore} from '../../../src/adapters/sqlite/types.ts';
import {spawnFixture} from '../../helpers/spawnFixture.ts';
import {withDeadline} from '../../helpers/withDeadline.ts';
import type {ClaimerMessage} from './fixtures/claimer.ts';
import {claimRounds} from './helpers/claimRounds.ts';
import {createItems, createTemporaryDatabase} from './helpers/temporaryDatabase.ts';

const CONCURRENCY = 3;
const QUOTA = 100;
/** One quota for each of the three stores. */
const ITEMS = 3 * QUOTA;

test(`two stores in this process and one in a child process never run more than the concurrency (${CONCURRENCY}) and never claim an item twice`, async (t) => {
  const {filename} = createTemporaryDatabase(t);

  createItems(filename, ITEMS);

  const stores: Array<SqliteStore<number>> = [];
  const observer = new DatabaseSync(filename, {timeout: 10_000});

  t.teardown(async () => {
    await Promise.all(stores.map(async (store) => {
      await store.terminate();
    }));
    observer.close();
  });

  stores.push(await createSqliteStore<number>({filename, pollInterval: 0, reaperInterval: 0}), await createSqliteStore<number>({filename, pollInterval: 0, reaperInterval: 0}));

  const child = spawnFixture<ClaimerMessage>(fileURLToPath(new URL('fixtures/claimer.ts', import.meta.url)), {CONCURRENCY: String(CONCURRENCY), FILENAME: filename, QUOTA: String(QUOTA)});

  t.teardown(() => {
    child.child.kill();
  });

  await withDeadline(child.waitFor((message): message is ClaimerMessage & {type: 'ready'} => message.type === 'ready'), 'the child store started');

  const [local, childResult] = await Promise.all([
    Promise.all(stores.map(async (store) => await claimRounds(store, CONCURRENCY, QUOTA))),
    withDeadline(child.waitFor((message): message is ClaimerMessage & {type: 'done'} => message.type === 'done'), 'the child store claimed every item'),
  ]);
  const claimed = [...local.flatMap((result) => result.claimed), ...childResult.claimed];

  t.deepEqual([childResult.claimed.length, ...local.map((result) => result.claimed.length)], [QUOTA, QUOTA, QUOTA]);
  t.true(Math.max(childResult.maximum, ...local.map((result) => result.maximum)) <= CONCURRENCY);
  t.is(claimed.length, ITEMS);
  t.is(new Set(claimed).size, ITEMS);
  t.deepEqual(observer.prepare('SELECT count(*) AS total, sum(processed_count = 1) AS once FROM item').get(), {once: ITEMS, total: ITEMS});
  t.deepEqual(observer.prepare('SELECT count(*) AS executions, count(DISTINCT instruction) AS instructions, sum(ended_at IS NULL) AS running FROM planton_maintenance_task_execution').get(), {executions: ITEMS, instructions: ITEMS, running: 0});
});
