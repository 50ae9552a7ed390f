/**
 * The database goes away while the engine runs (a restart, a cut network): the store functions the
 * engine calls, `getActiveTaskInstructions` and the claim (`claimExecutions`, so `createSchedule`'s
 * function), reject with `STORE_UNREACHABLE`, the driver's error as `cause`, as
 * `createPostgresStore` does for a wrong URL; before, slonik's `ConnectionError` (no `code`) and
 * socket errors (`ECONNRESET`) reached the engine's `error` event as they were. A TCP proxy between
 * the store's pool and the server refuses every connection meanwhile.
 */
import test, {type ExecutionContext} from 'ava';
import {createPool} from 'slonik';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import {createPlanton, type ErrorEvent} from '../../../src/index.ts';
import {createTcpProxy} from '../../helpers/createTcpProxy.ts';
import {createSchemaName, dropSchema} from '../../helpers/postgres.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {until} from '../../helpers/until.ts';
import {createItemClaim, createItems} from './helpers/items.ts';

requireEnvironment({skipTitle: 'postgres: the lost-connection tests need PLANTON_TEST_DATABASE_URL', variable: 'PLANTON_TEST_DATABASE_URL'}, (connectionUri) => {
  /** Three items, and a store whose pool reaches the server through a proxy the test can take away. */
  const setUp = async (t: ExecutionContext) => {
    const url = new URL(connectionUri);
    const proxy = await createTcpProxy({host: url.hostname, port: Number(url.port || 5_432)});
    const observer = await createPool(connectionUri, {maxPoolSize: 1});
    const proxied = new URL(connectionUri);

    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);

    const pool = await createPool(proxied.toString(), {maxPoolSize: 2});
    const schema = createSchemaName();

    await createItems(observer, schema, 3);

    const store = await createPostgresStore<number>({pool, reaperInterval: 0, schema});

    t.teardown(async () => {
      proxy.setAvailable(true);
      await store.terminate();
      await pool.end();
      await dropSchema(observer, schema);
      await observer.end();
      await proxy.close();
    });

    return {proxy, schema, store};
  };

  test('postgres: with the database gone, getActiveTaskInstructions and a claim reject with STORE_UNREACHABLE, the driver\'s error as cause', async (t) => {
    const {proxy, schema, store} = await setUp(t);

    proxy.setAvailable(false);

    const read = await t.throwsAsync(async () => await store.getActiveTaskInstructions('items', {signal: new AbortController().signal}));

    t.like(read, {code: 'STORE_UNREACHABLE', name: 'StoreUnreachableError'});
    t.true(read?.cause instanceof Error, 'the driver\'s error is the cause');

    const claim = await t.throwsAsync(store.claimExecutions({claim: createItemClaim(schema), limit: 3, taskName: 'items'}));

    t.like(claim, {code: 'STORE_UNREACHABLE'});
    t.true(claim?.cause instanceof Error, 'the driver\'s error is the cause');

    proxy.setAvailable(true);
    t.deepEqual((await store.claimExecutions({claim: createItemClaim(schema), limit: 3, taskName: 'items'})).map((execution) => execution.instruction), [1, 2, 3], 'the store claims again once the database is back');
  });

  test('postgres: while the database is gone, the engine\'s error events from the store\'s functions are STORE_UNREACHABLE', async (t) => {
    const {proxy, schema, store} = await setUp(t);
    const errors: ErrorEvent[] = [];
    const planton = createPlanton<number>({
      getActiveTaskInstructions: store.getActiveTaskInstructions,
      tasks: [{calculateDelay: () => 10, concurrency: 3, name: 'items', schedule: store.createSchedule(createItemClaim(schema))}],
    });

    t.teardown(async () => {
      await planton.terminate();
    });
    planton.events.on('error', (event) => {
      errors.push(event);
    });

    proxy.setAvailable(false);
    await until(() => errors.length >= 3);
    await planton.terminate();

    const described = errors.map(({error, functionName}) => `${String(functionName)}: ${String(error.code)} ${error.message}`);

    t.true(errors.some(({functionName}) => functionName === 'getActiveTaskInstructions' || functionName === 'schedule'), described.join('\n'));
    t.deepEqual(errors.filter(({error}) => error.code !== 'STORE_UNREACHABLE'), [], described.join('\n'));
  });
});
