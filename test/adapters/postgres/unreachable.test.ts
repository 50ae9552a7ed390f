/**
 * A wrong address, role or database: the listener's `listen` (so `store.subscribe`) and
 * `createPostgresStore` reject with `STORE_UNREACHABLE`, the driver's error as `cause`, instead of
 * waiting for ever or passing a raw driver error on. The listener and the store on the server
 * (PLANTON_TEST_DATABASE_URL) with the listener pointed at a closed port.
 */
import {randomUUID} from 'node:crypto';
import test, {type ExecutionContext} from 'ava';
import {createPool, sql} from 'slonik';
import {createPgNotificationListener} from '../../../src/adapters/postgres/createPgNotificationListener.ts';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import {createPostgresSchedulerStore} from '../../../src/scheduler/postgres/createPostgresSchedulerStore.ts';
import {findFreePort} from '../../helpers/findFreePort.ts';
import {useFreshSchema, useServer} from '../../helpers/postgres.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {withDeadline} from '../../helpers/withDeadline.ts';
import {withPort} from '../sinks/helpers/withPort.ts';

/** A refusal surfaces within this (it takes milliseconds); the tests fail rather than wait for ever. */
const PROMPTLY = 10_000;

requireEnvironment({skipTitle: 'postgres: the unreachable-server tests need PLANTON_TEST_DATABASE_URL', variable: 'PLANTON_TEST_DATABASE_URL'}, (databaseUrl) => {
  const server = useServer(databaseUrl);

  /**
   * A role that may not log in, and the URL and slonik pool of a user who uses it (a wrong role in
   * the configuration). It may log in while the pool is created: slonik 49's createPool throws an
   * uncaught exception when its first connection is refused, before any store could see it.
   */
  const createRefusedRole = async (t: ExecutionContext) => {
    const {pool: admin} = await server.get();
    const role = `planton_refused_${randomUUID().slice(0, 8)}`;
    const url = new URL(databaseUrl);

    url.username = role;
    url.password = '';
    await admin.query(sql.unsafe`CREATE ROLE ${sql.identifier([role])} LOGIN`);

    const pool = await createPool(url.toString(), {maxPoolSize: 2});

    await admin.query(sql.unsafe`ALTER ROLE ${sql.identifier([role])} NOLOGIN`);
    t.teardown(async () => {
      await pool.end();
      await admin.query(sql.unsafe`DROP ROLE IF EXISTS ${sql.identifier([role])}`);
    });

    return {pool, url: url.toString()};
  };

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

  test('listen with a role that may not log in rejects with STORE_UNREACHABLE', async (t) => {
    const {url} = await createRefusedRole(t);
    const listener = createPgNotificationListener({connectionUri: url, reconnectDelay: () => 10});

    t.teardown(async () => {
      await listener.terminate();
    });

    const error = await withDeadline(t.throwsAsync(listener.listen('planton_nowhere', () => undefined)), 'listen to reject', PROMPTLY);

    t.like(error, {code: 'STORE_UNREACHABLE'});
    t.like(error?.cause, {code: '28000'});
  });

  test('createPostgresStore with a role that may not log in rejects with STORE_UNREACHABLE, the driver\'s error as cause', async (t) => {
    const {pool} = await createRefusedRole(t);
    const error = await t.throwsAsync(createPostgresStore({pool, reaperInterval: 0, schema: 'planton_never_created'}));

    t.like(error, {code: 'STORE_UNREACHABLE'});
    t.regex(error?.message ?? '', /not permitted to log in/u);
    t.like((error?.cause as Error | undefined)?.cause, {code: '28000'});
  });

  test('createPostgresSchedulerStore with a role that may not log in rejects with server_unreachable, the driver\'s error as cause', async (t) => {
    const {pool} = await createRefusedRole(t);
    const error = await t.throwsAsync(createPostgresSchedulerStore({pool, schema: 'planton_never_created'}));

    t.like(error, {code: 'server_unreachable'});
    t.regex(error?.message ?? '', /not permitted to log in/u);
    t.like((error?.cause as Error | undefined)?.cause, {code: '28000'});
  });

});
