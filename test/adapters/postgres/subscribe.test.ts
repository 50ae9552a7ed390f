/**
 * `store.subscribe` against a listener that fails or answers late: a failed subscription registers
 * nothing, and one that completes after terminate() gives its channel back (else the listener keeps
 * its connection and the process never exits).
 */
import test from 'ava';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import type {NotificationListener} from '../../../src/adapters/postgres/types.ts';
import type {WakeReason} from '../../../src/adapters/types.ts';
import {createDeferred, createManualClock} from '../../helpers/createManualClock.ts';
import {usePglite, useFreshSchema} from '../../helpers/postgres.ts';
import {createItemClaim, createItems} from './helpers/items.ts';

const pglite = usePglite();

test('pglite: a subscribe whose listen fails registers nothing: the reaper does not wake it', async (t) => {
  const {pool} = await pglite.get();
  const schema = useFreshSchema(t, pool);
  const clock = createManualClock(Date.parse('2030-01-01T00:00:00Z'));
  const listener: NotificationListener = {
    listen: async () => {
      throw new Error('no such host');
    },
    terminate: async () => undefined,
  };
  const store = await createPostgresStore<number>({clock, heartbeatInterval: 3_600_000, listener, pool, reaperInterval: 0, schema});
  const reaper = await createPostgresStore<number>({clock, heartbeatInterval: 3_600_000, pool, reaperInterval: 0, schema});

  t.teardown(async () => {
    await store.terminate();
    await reaper.terminate();
  });

  const wakes: WakeReason[] = [];

  await createItems(pool, schema, 1);
  await store.registerTask({maxExecutionDuration: 60_000, name: 'items'});
  await t.throwsAsync(store.subscribe({onWake: (reason) => wakes.push(reason), taskName: 'items'}), {message: 'no such host'});
  await store.claimExecutions({claim: createItemClaim(schema), limit: 1, taskName: 'items'});
  await clock.advance(61_000);

  t.is((await store.reap()).length, 1);
  t.deepEqual(wakes, []);
});

test('pglite: a subscribe whose listen completes after terminate() gives its channel back and rejects with STORE_TERMINATED', async (t) => {
  const {pool} = await pglite.get();
  const schema = useFreshSchema(t, pool);
  const listening = createDeferred<void>();
  const answer = createDeferred<void>();
  const unlistened: string[] = [];
  const listener: NotificationListener = {
    listen: async (channel) => {
      listening.resolve();
      await answer.promise;

      return async () => {
        unlistened.push(channel);
      };
    },
    terminate: async () => undefined,
  };
  const store = await createPostgresStore<number>({listener, pool, reaperInterval: 0, schema});
  const subscribing = store.subscribe({onWake: () => undefined, taskName: 'items'});

  await listening.promise;
  await store.terminate();
  answer.resolve();

  await t.throwsAsync(subscribing, {code: 'STORE_TERMINATED'});
  t.is(unlistened.length, 1);
});
