/**
 * A claim whose reply is lost on MySQL/MariaDB: the connection is cut after the claim's COMMIT
 * reached the server, before its answer came back (a TCP proxy that lets the COMMIT through and
 * resets both sockets as soon as the server answers). The executions it recorded are returned by
 * the task's next claim, once; a store terminated first ends them (FAILED, UNDISPATCHED_CLAIM).
 */
import test from 'ava';
import {createPool, type RowDataPacket} from 'mysql2/promise';
import {createMysqlStore} from '../../../src/adapters/mysql/createMysqlStore.ts';
import {createTcpProxy} from '../../helpers/createTcpProxy.ts';
import {createTestPool, useFreshDatabase} from '../../helpers/mysql.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {withPort} from '../sinks/helpers/withPort.ts';
import {createItemClaim, createItems} from './helpers/items.ts';

/** The COM_QUERY packet of mysql2's `commit()`: its command byte, then the statement (READ COMMITTED holds `COMMIT` too). */
const COMMIT_MARKER = '\u0003COMMIT';

requireEnvironment({skipTitle: 'mysql: the lost-reply tests need PLANTON_TEST_MYSQL_URL', variable: 'PLANTON_TEST_MYSQL_URL'}, (url) => {
  const observer = createTestPool(url, 2);

  const setUp = async (t: {teardown: (callback: () => Promise<void>) => void}) => {
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
      await store.terminate();
    });
    await store.registerTask({name: 'items'});

    const selectExecutions = async () => {
      const [rows] = await observer.query<RowDataPacket[]>(`SELECT id, state, error FROM \`${database}\`.planton_maintenance_task_execution ORDER BY id`);

      return rows.map((row) => ({code: row.error === null ? null : (JSON.parse(String(row.error)) as {code?: string}).code ?? null, id: Number(row.id), state: String(row.state)}));
    };

    return {claim: createItemClaim(database), proxy, selectExecutions, store};
  };

  test('the executions of a claim whose COMMIT reply was lost are returned by the next claim, once', async (t) => {
    const {claim, proxy, selectExecutions, store} = await setUp(t);
    const cut = proxy.cutReplyTo(COMMIT_MARKER);

    await t.throwsAsync(store.claimExecutions({claim, concurrency: 3, limit: 3, taskName: 'items'}));
    await cut;

    const committed = await selectExecutions();

    t.deepEqual(committed.map(({state}) => state), ['RUNNING', 'RUNNING', 'RUNNING'], 'the claim committed');
    t.deepEqual(await store.getActiveTaskInstructions('items', {signal: new AbortController().signal}), [], 'held for the next claim, not active for the engine yet');

    const recovered = await store.claimExecutions({claim, concurrency: 3, limit: 3, taskName: 'items'});

    t.deepEqual(recovered.map(({executionId}) => executionId), committed.map(({id}) => id));
    t.deepEqual(recovered.map(({instruction}) => instruction), [1, 2, 3]);
    t.deepEqual(await store.claimExecutions({claim, concurrency: 3, limit: 3, taskName: 'items'}), [], 'returned once');
    t.deepEqual(await store.getActiveTaskInstructions('items', {signal: new AbortController().signal}), [1, 2, 3]);
    t.deepEqual(await store.completeExecutions(recovered), []);
  });

  test('a store terminated before the next claim ends what the lost claim committed (UNDISPATCHED_CLAIM)', async (t) => {
    const {claim, proxy, selectExecutions, store} = await setUp(t);
    const cut = proxy.cutReplyTo(COMMIT_MARKER);

    await t.throwsAsync(store.claimExecutions({claim, concurrency: 3, limit: 3, taskName: 'items'}));
    await cut;
    await store.terminate();

    t.deepEqual((await selectExecutions()).map(({code, state}) => [state, code]), [
      ['FAILED', 'UNDISPATCHED_CLAIM'],
      ['FAILED', 'UNDISPATCHED_CLAIM'],
      ['FAILED', 'UNDISPATCHED_CLAIM'],
    ]);
  });
});
