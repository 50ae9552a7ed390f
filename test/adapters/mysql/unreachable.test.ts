/**
 * A MySQL server that cannot be reached as configured: createMysqlStore rejects promptly with
 * STORE_UNREACHABLE and the driver's error as `cause` (a closed port, an unknown user), and bad
 * options with INVALID_STORE_CONFIGURATION before any query.
 */
import test from 'ava';
import {createPool} from 'mysql2/promise';
import {createMysqlStore} from '../../../src/adapters/mysql/createMysqlStore.ts';
import {createTcpProxy} from '../../helpers/createTcpProxy.ts';
import {findFreePort} from '../../helpers/findFreePort.ts';
import {createMysqlName} from '../../helpers/mysql.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {withDeadline} from '../../helpers/withDeadline.ts';
import {withPort} from '../sinks/helpers/withPort.ts';

/** A refusal surfaces within this (it takes milliseconds); the tests fail rather than wait for ever. */
const PROMPTLY = 10_000;

requireEnvironment({skipTitle: 'mysql: the unreachable-server tests need PLANTON_TEST_MYSQL_URL', variable: 'PLANTON_TEST_MYSQL_URL'}, (url) => {
  test('a store on a closed port rejects with STORE_UNREACHABLE, the driver\'s ECONNREFUSED as cause', async (t) => {
    const pool = createPool({connectTimeout: 5_000, uri: withPort(url, await findFreePort())});

    t.teardown(async () => {
      await pool.end();
    });

    const error = await withDeadline(t.throwsAsync(createMysqlStore({pool})), 'createMysqlStore to reject', PROMPTLY);

    t.like(error, {code: 'STORE_UNREACHABLE'});
    t.like(error?.cause, {code: 'ECONNREFUSED'});
  });

  test('a server that does not answer (the network black-holes) rejects with STORE_UNREACHABLE after mysql2\'s connectTimeout, ETIMEDOUT as cause', async (t) => {
    const address = new URL(url);
    const proxy = await createTcpProxy({host: address.hostname, port: Number(address.port || 3_306)});
    const pool = createPool({connectTimeout: 1_000, uri: withPort(url, proxy.port)});

    t.teardown(async () => {
      await pool.end();
      await proxy.close();
    });
    proxy.setBlackHole(true);

    const error = await withDeadline(t.throwsAsync(createMysqlStore({pool})), 'createMysqlStore to reject', PROMPTLY);

    t.like(error, {code: 'STORE_UNREACHABLE'});
    t.like(error?.cause, {code: 'ETIMEDOUT'});
  });

  test('a store whose user may not log in rejects with STORE_UNREACHABLE', async (t) => {
    const parsed = new URL(url);

    parsed.username = createMysqlName('planton_nobody');
    parsed.password = 'wrong';

    const pool = createPool({uri: parsed.toString()});

    t.teardown(async () => {
      await pool.end();
    });

    const error = await withDeadline(t.throwsAsync(createMysqlStore({pool})), 'createMysqlStore to reject', PROMPTLY);

    t.like(error, {code: 'STORE_UNREACHABLE'});
    // MariaDB answers either, depending on the authentication exchange.
    t.true(['ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR'].includes(String((error?.cause as {code?: unknown} | undefined)?.code)));
  });

  test('a store on a database that does not exist (in the URL) rejects with STORE_UNREACHABLE', async (t) => {
    const parsed = new URL(url);

    parsed.pathname = `/${createMysqlName('planton_missing')}`;

    const pool = createPool({uri: parsed.toString()});

    t.teardown(async () => {
      await pool.end();
    });

    const error = await withDeadline(t.throwsAsync(createMysqlStore({pool})), 'createMysqlStore to reject', PROMPTLY);

    t.like(error, {code: 'STORE_UNREACHABLE'});
    t.like(error?.cause, {code: 'ER_BAD_DB_ERROR'});
  });

  test('bad options are refused with INVALID_STORE_CONFIGURATION before any query', async (t) => {
    const pool = createPool({uri: withPort(url, await findFreePort())});

    t.teardown(async () => {
      await pool.end();
    });

    await t.throwsAsync(createMysqlStore({pool: {} as never}), {code: 'INVALID_STORE_CONFIGURATION', message: /`pool`/u});
    await t.throwsAsync(createMysqlStore({database: 'x`; DROP DATABASE test; --', pool}), {code: 'INVALID_STORE_CONFIGURATION', message: /`database`/u});
    await t.throwsAsync(createMysqlStore({database: 'x'.repeat(65), pool}), {code: 'INVALID_STORE_CONFIGURATION'});
    await t.throwsAsync(createMysqlStore({pool, tablePrefix: 'a-b'}), {code: 'INVALID_STORE_CONFIGURATION', message: /`tablePrefix`/u});
    await t.throwsAsync(createMysqlStore({pollInterval: -1, pool}), {code: 'INVALID_STORE_CONFIGURATION', message: /`pollInterval`/u});
    await t.throwsAsync(createMysqlStore({heartbeatInterval: 0, pool}), {code: 'INVALID_STORE_CONFIGURATION'});
  });
});
