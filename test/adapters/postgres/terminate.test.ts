import {once} from 'node:events';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {createPgNotificationListener} from '../../../src/adapters/postgres/createPgNotificationListener.ts';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import {createSchemaName, dropSchema, SERVER_URL, useFreshSchema, useServer} from '../../helpers/postgres.ts';
import {spawnFixture} from '../../helpers/spawnFixture.ts';
import type {TerminatedStoreMessage} from './fixtures/terminatedStore.ts';

const FIXTURE = fileURLToPath(new URL('fixtures/terminatedStore.ts', import.meta.url));

/** Milliseconds the fixture waits, after its shutdown, before it reports what still holds it and exits with code 2. */
const EXIT_TIMEOUT = 30_000;

/** Runs the fixture to its exit: the exit code, and the resources it reported still open (if it had to exit by itself). */
const runToExit = async (environment: Readonly<Record<string, string>>) => {
  const {child, messages} = spawnFixture<TerminatedStoreMessage>(FIXTURE, {...environment, EXIT_TIMEOUT: String(EXIT_TIMEOUT)});
  const [code] = await once(child, 'exit') as [number | null];

  return {code, messages};
};

test('pglite: a process that terminates its store (and its listener given inline) exits by itself', async (t) => {
  const {code, messages} = await runToExit({BACKEND: 'pglite', SCHEMA: createSchemaName()});

  t.deepEqual(messages, [{type: 'terminated'}]);
  t.is(code, 0);
});

if (SERVER_URL === null) {
  test.skip('postgres: a process that terminates its store exits by itself (set PLANTON_TEST_DATABASE_URL)', () => undefined);
} else {
  const serverUrl = SERVER_URL;
  const server = useServer(serverUrl);

  test('postgres: a process that terminates its store (and its listener given inline) exits by itself', async (t) => {
    const schema = createSchemaName();

    t.teardown(async () => {
      await dropSchema((await server.get()).pool, schema);
    });

    const {code, messages} = await runToExit({BACKEND: 'postgres', DATABASE_URL: serverUrl, SCHEMA: schema});

    t.deepEqual(messages, [{type: 'terminated'}]);
    t.is(code, 0);
  });

  test('postgres: a listener shared by two stores keeps its connection until the last of them is terminated, and opens one again for the next subscription', async (t) => {
    const {pool} = await server.get();
    const listener = createPgNotificationListener({connectionUri: serverUrl});

    t.teardown(async () => {
      await listener.terminate();
    });

    const createStore = async () => await createPostgresStore({listener, pool, reaperInterval: 0, schema: useFreshSchema(t, pool)});
    const first = await createStore();
    const second = await createStore();
    const connected: boolean[] = [];

    listener.events.on('connected', ({reconnected}) => {
      connected.push(reconnected);
    });

    await first.subscribe({onWake: () => undefined, taskName: 'a'});
    await second.subscribe({onWake: () => undefined, taskName: 'b'});

    const backendPid = listener.getBackendPid();

    t.not(backendPid, null);
    await first.terminate();
    t.is(listener.getBackendPid(), backendPid, 'still open for the second store');
    await second.terminate();
    t.is(listener.getBackendPid(), null, 'closed with the last store');

    const third = await createStore();

    await third.subscribe({onWake: () => undefined, taskName: 'c'});
    t.not(listener.getBackendPid(), null);
    // A new connection for a new subscription, not a reconnection (nothing was listened on meanwhile).
    t.deepEqual(connected, [false, false]);
    await third.terminate();
    t.is(listener.getBackendPid(), null);
  });
}
