/**
 * The store behind a TCP proxy that refuses connections (the PostgreSQL server went away): API
 * routes answer 503 `server_unreachable`, `/ready` 503 `STORE_UNREACHABLE`, `/health` 200; once the
 * server is back, all answer again.
 */
import test from 'ava';
import {createPool} from 'slonik';
import {createPostgresSchedulerStore} from '../../src/scheduler/index.ts';
import {createTcpProxy} from '../helpers/createTcpProxy.ts';
import {createSchemaName, dropSchema, useServer} from '../helpers/postgres.ts';
import {requireEnvironment} from '../helpers/requireEnvironment.ts';
import {until} from '../helpers/until.ts';
import {startServer} from './helpers/startServer.ts';

requireEnvironment({skipTitle: 'postgres: the unreachable-store tests need PLANTON_TEST_DATABASE_URL', variable: 'PLANTON_TEST_DATABASE_URL'}, (databaseUrl) => {
  const server = useServer(databaseUrl);

  test('postgres: while the store cannot be reached the API answers 503 server_unreachable and /ready 503 STORE_UNREACHABLE; /health stays 200; all recover', async (t) => {
    const target = new URL(databaseUrl);
    const proxy = await createTcpProxy({host: target.hostname, port: Number(target.port || 5432)});
    const proxied = new URL(databaseUrl);

    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);

    const pool = await createPool(proxied.href, {maxPoolSize: 4});
    const schema = createSchemaName();
    const {pool: direct} = await server.get();

    // Registered before startServer's: runs after the server and the scheduler are stopped.
    t.teardown(async () => {
      proxy.setAvailable(true);
      await pool.end();
      await proxy.close();
      await dropSchema(direct, schema);
    });

    const store = await createPostgresSchedulerStore({pool, queryTimeout: 5000, schema});
    const {api} = await startServer(t, store);

    t.like(await api.request('PUT', '/v1/tasks/{name}', {body: {schedule: '1h', timeout: 1000}, params: {name: 'hourly'}}), {status: 201});

    proxy.setAvailable(false);

    t.like(await api.request('GET', '/v1/tasks'), {body: {code: 'server_unreachable'}, status: 503});
    t.like(await api.request('GET', '/v1/jobs/{id}', {params: {id: 1}}), {body: {code: 'server_unreachable'}, status: 503});
    t.like(await api.request('PUT', '/v1/tasks/{name}', {body: {schedule: '2h', timeout: 1000}, params: {name: 'other'}}), {body: {code: 'server_unreachable'}, status: 503});
    t.like(await api.request('GET', '/ready'), {body: {code: 'STORE_UNREACHABLE'}, status: 503});
    t.like(await api.request('GET', '/health'), {body: {status: 'ok'}, status: 200});

    proxy.setAvailable(true);

    await until(async () => (await api.request('GET', '/ready')).status === 200);
    t.like(await api.request('GET', '/v1/tasks/{name}', {params: {name: 'hourly'}}), {body: {name: 'hourly'}, status: 200});
  });
});
