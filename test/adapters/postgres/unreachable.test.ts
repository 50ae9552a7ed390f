/**
 * A wrong address, role or database: the listener's `listen` (so `store.subscribe`) and
 * `createPostgresStore` reject with `STORE_UNREACHABLE`, the driver's error as `cause`, instead of
 * waiting for ever or passing a raw driver error on. The listener and the store on the server
 * (PLANTON_TEST_DATABASE_URL) with the listener pointed at a closed port.
 */
import test from 'ava';
import {createPgNotificationListener} from '../../../src/adapters/postgres/createPgNotificationListener.ts';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import {findFreePort} from '../../helpers/findFreePort.ts';
import {useFreshSchema, useServer} from '../../helpers/postgres.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {withDeadline} from '../../helpers/withDeadline.ts';
import {withPort} from '../sinks/helpers/withPort.ts';

/** A refusal surfaces within this (it takes milliseconds); the tests fail rather than wait for ever. */
const PROMPTLY = 10_000;

requireEnvironment({skipTitle: 'postgres: the unreachable-server tests need PLANTON_TEST_DATABASE_URL', variable: 'PLANTON_TEST_DATABASE_URL'}, (databaseUrl) => {
  const server = useServer(databaseUrl);

  test('listen on a closed port rejects with STORE_UNREACHABLE and registers nothing', async (t) => {
    const listener = createPgNotificationListener({connectionUri: withPort(databaseUrl, await findFreePort()), reconnectDelay: () => 10});

    t.teardown(async () => {
      await listener.terminate();
    });

    const error = await withDeadline(t.throwsAsync(listener.listen('planton_nowhere', () => undefined)), 'listen to reject', PROMPTLY);

    t.like(error, {code: 'STORE_UNREACHABLE'});
    t.like(error?.cause, {code: 'ECONNREFUSED'});
    t.is(listener.getBackendPid(), null);
  });

  test('store.subscribe with a listener on a closed port rejects with STORE_UNREACHABLE', async (t) => {
    const {pool} = await server.get();
    const listener = createPgNotificationListener({connectionUri: withPort(databaseUrl, await findFreePort()), reconnectDelay: () => 10});
    const store = await createPostgresStore({listener, pool, reaperInterval: 0, schema: useFreshSchema(t, pool)});

    t.teardown(async () => {
      await store.terminate();
      await listener.terminate();
    });

    await t.throwsAsync(withDeadline(store.subscribe({onWake: () => undefined, taskName: 'items'}), 'subscribe to reject', PROMPTLY), {code: 'STORE_UNREACHABLE'});
  });
});
