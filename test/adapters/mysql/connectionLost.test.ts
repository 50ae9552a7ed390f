/**
 * The MySQL/MariaDB server goes away while the engine runs: `getActiveTaskInstructions` and the
 * claim (`claimExecutions`, so `createSchedule`'s function) reject with `STORE_UNREACHABLE`, the
 * driver's error as `cause`, as `createMysqlStore` does for a wrong URL, instead of mysql2's own
 * error (`ECONNRESET`, `PROTOCOL_CONNECTION_LOST`). A TCP proxy between the store's pool and the
 * server refuses every connection meanwhile.
 */
import test, {type ExecutionContext} from 'ava';
import {createPool} from 'mysql2/promise';
import {createMysqlStore} from '../../../src/adapters/mysql/createMysqlStore.ts';
import {createTcpProxy} from '../../helpers/createTcpProxy.ts';
import {createTestPool, useFreshDatabase} from '../../helpers/mysql.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {withPort} from '../sinks/helpers/withPort.ts';
import {createItemClaim, createItems} from './helpers/items.ts';

requireEnvironment({skipTitle: 'mysql: the lost-connection tests need PLANTON_TEST_MYSQL_URL', variable: 'PLANTON_TEST_MYSQL_URL'}, (url) => {
  const observer = createTestPool(url, 2);

  const setUp = async (t: ExecutionContext) => {
    const address = new URL(url);
    const proxy = await createTcpProxy({host: address.hostname, port: Number(address.port || 3_306)});
    const pool = createPool({connectionLimit: 2, uri: withPort(url, proxy.port)});
    const database = useFreshDatabase(t, observer);

    t.teardown(async () => {
      await pool.end();
      await proxy.close();
    });

    await createItems(observer, database, 3);

    const store = await createMysqlStore<number>({database, pollInterval: 0, pool, reaperInterval: 0});

    t.teardown(async () => {
      proxy.setAvailable(true);
      await store.terminate();
    });

    return {claim: createItemClaim(database), proxy, store};
  };

  test('mysql: with the server gone, getActiveTaskInstructions and a claim reject with STORE_UNREACHABLE, the driver\'s error as cause', async (t) => {
    const {claim, proxy, store} = await setUp(t);

    proxy.setAvailable(false);

    const read = await t.throwsAsync(async () => await store.getActiveTaskInstructions('items', {signal: new AbortController().signal}));

    t.like(read, {code: 'STORE_UNREACHABLE', name: 'StoreUnreachableError'});
    t.true(read?.cause instanceof Error, 'the driver\'s error is the cause');

    const claimed = await t.throwsAsync(store.claimExecutions({claim, limit: 3, taskName: 'items'}));

    t.like(claimed, {code: 'STORE_UNREACHABLE'});
    t.true(claimed?.cause instanceof Error, 'the driver\'s error is the cause');

    proxy.setAvailable(true);
    t.deepEqual((await store.claimExecutions({claim, limit: 3, taskName: 'items'})).map((execution) => execution.instruction), [1, 2, 3], 'the store claims again once the server is back');
  });
});
