/**
 * The SQLite store next to other writers of the file, and the calls sinks rely on: a claim that
 * waits longer than busyTimeout for another connection's write lock fails with the driver's
 * SQLITE_BUSY and rolls back, the store stays usable; the heartbeat loop keeps claimed executions
 * alive; reviveExecution puts back an execution a sink released.
 */
import test from 'ava';
import {DatabaseSync} from 'node:sqlite';
import {createSqliteStore} from '../../../src/adapters/sqlite/createSqliteStore.ts';
import {createManualClock} from '../../helpers/createManualClock.ts';
import {createItems, createTemporaryDatabase, itemClaim} from './helpers/temporaryDatabase.ts';

test('a claim that waits longer than busyTimeout for another writer fails with SQLITE_BUSY, records nothing, and the next claim works', async (t) => {
  const {filename} = createTemporaryDatabase(t);

  createItems(filename, 5);

  const store = await createSqliteStore<number>({busyTimeout: 50, filename, pollInterval: 0, reaperInterval: 0});
  const other = new DatabaseSync(filename, {timeout: 10_000});

  t.teardown(async () => {
    await store.terminate();
    other.close();
  });

  other.exec('BEGIN IMMEDIATE');

  const error = await t.throwsAsync(store.claimExecutions({claim: itemClaim, limit: 2, taskName: 'items'}));

  t.like(error, {code: 'ERR_SQLITE_ERROR', errcode: 5});
  t.false(store.database.isTransaction);
  other.exec('COMMIT');
  t.deepEqual((await store.claimExecutions({claim: itemClaim, limit: 2, taskName: 'items'})).map((execution) => execution.instruction), [1, 2]);
});

test('the heartbeat loop refreshes last_seen_at of the executions this store claimed, and stops touching ended ones', async (t) => {
  const {filename} = createTemporaryDatabase(t);

  createItems(filename, 2);

  const clock = createManualClock(1_000_000);
  const store = await createSqliteStore<number>({clock, filename, heartbeatInterval: 1_000, pollInterval: 0, reaperInterval: 0});

  t.teardown(async () => {
    await store.terminate();
  });

  const [first, second] = await store.claimExecutions({claim: itemClaim, limit: 2, taskName: 'items'});
  const lastSeen = () => store.database.prepare('SELECT last_seen_at FROM planton_maintenance_task_execution ORDER BY id').all().map((row) => row.last_seen_at);

  await store.completeExecution(second ?? {executionId: -1});
  await clock.advance(1_000);
  t.deepEqual(lastSeen(), [1_001_000, 1_000_000]);
  await store.completeExecution(first ?? {executionId: -1});
  await clock.advance(1_000);
  t.deepEqual(lastSeen(), [1_001_000, 1_000_000]);
});

test('reviveExecution puts an execution a sink released back to RUNNING and takes back its failed attempt, once', async (t) => {
  const {filename} = createTemporaryDatabase(t);

  createItems(filename, 1);

  const store = await createSqliteStore<number>({filename, pollInterval: 0, reaperInterval: 0});

  t.teardown(async () => {
    await store.terminate();
  });

  await store.registerTask({maxAttempts: 1, name: 'items'});

  const [execution] = await store.claimExecutions({claim: itemClaim, limit: 1, taskName: 'items'});
  const executionId = execution?.executionId ?? -1;
  const released = Object.assign(new Error('the broker did not confirm'), {code: 'SINK_PUBLISH_FAILED'});

  await store.failExecution({executionId}, released);
  t.is((await store.listDeadInstructions()).length, 1);
  t.true(await store.reviveExecution({executionId}));
  t.false(await store.reviveExecution({executionId}));
  t.deepEqual(await store.getActiveTaskInstructions('items', {signal: new AbortController().signal}), [1]);
  t.deepEqual(await store.listDeadInstructions(), []);
  t.is(store.getClaimedExecutionId({instruction: 1, taskName: 'items'}), executionId);
  await store.completeExecution({executionId});
  t.false(await store.reviveExecution({executionId}), 'a completed execution is not revived');

  // An execution failed by anything else than a release is not revived either.
  await store.retryInstruction({instruction: 1, taskName: 'items'});
  store.database.exec('UPDATE item SET processed_count = 0');

  const [again] = await store.claimExecutions({claim: itemClaim, limit: 1, taskName: 'items'});

  await store.failExecution(again ?? {executionId: -1}, new Error('a handler failed'));
  t.false(await store.reviveExecution({executionId: again?.executionId ?? -1}));
  t.false(await store.reviveExecution({executionId: Number.NaN}));
});
