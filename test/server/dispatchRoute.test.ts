/**
 * `GET /v1/dispatch`: a memory dispatch store's counts after claims, ends and a reaper pass, beside
 * stores that fail, hang or have no summary; the read role may use it, the worker role may not.
 * Every response is checked against /openapi.json.
 */
import test from 'ava';
import {createMemoryStore} from '../../src/adapters/memory/index.ts';
import {StoreUnreachableError} from '../../src/adapters/errors.ts';
import {createMemorySchedulerStore} from '../../src/scheduler/index.ts';
import {createServer} from '../../src/server/index.ts';
import {createManualClock} from '../helpers/createManualClock.ts';
import {START, startServer} from './helpers/startServer.ts';

const TOKENS = {read: 'read-token-0123456789', worker: 'worker-token-0123456789'};
const auth = {tokens: [{role: 'read' as const, token: TOKENS.read}, {role: 'worker' as const, token: TOKENS.worker}]};

/** A memory store on its own clock (from START): 2 completed, 1 failed, 1 terminated by the reaper, 1 running. */
const createBusyStore = async () => {
  const clock = createManualClock(START);
  const store = createMemoryStore<string>({clock, heartbeatInterval: 3_600_000, reaperInterval: 0});
  const claim = () => ['a', 'b', 'c', 'd', 'e'];

  await store.registerTask({maxExecutionDuration: 60_000, name: 'emails'});

  const [a, b, c, d] = await store.claimExecutions({claim, limit: 5, taskName: 'emails'});

  await store.completeExecutions([{executionId: a?.executionId ?? 0}, {executionId: b?.executionId ?? 0}]);
  await store.failExecution({executionId: c?.executionId ?? 0}, new Error('smtp down'));
  await clock.advance(50_000);

  for (const execution of [d]) {
    await store.heartbeat({executionId: execution?.executionId ?? 0});
  }

  await clock.advance(11_000);

  const reaped = await store.reap();

  return {reaped, store};
};

test('GET /v1/dispatch reports each store: its tasks\' counts of the last 24 h and the reaper\'s work, or a coded error, or UNSUPPORTED', async (t) => {
  const {reaped, store} = await createBusyStore();
  const never = new Promise<never>(() => undefined);

  t.teardown(async () => {
    await store.terminate();
  });

  const {api} = await startServer(t, createMemorySchedulerStore(), {
    auth,
    dispatchStores: [
      {name: 'main', store},
      {name: 'broken', store: {summarizeExecutions: async () => await Promise.reject(new Error('relation "planton.maintenance_task" does not exist'))}},
      {name: 'unreachable', store: {summarizeExecutions: async () => await Promise.reject(new StoreUnreachableError(new Error('ECONNREFUSED')))}},
      {name: 'hung', store: {summarizeExecutions: async () => await never}, timeout: 50},
      {name: 'legacy', store: {}},
    ],
  });

  t.is(reaped.length, 1);

  for (let request = 0; request < 2; request++) {
    const {body, status} = await api.request('GET', '/v1/dispatch', {token: TOKENS.read});

    t.is(status, 200);
    t.is(body.since, new Date(START - 86_400_000).toISOString());
    t.deepEqual(body.stores.map(({name, status: storeStatus}: {name: string; status: string}) => [name, storeStatus]), [['main', 'OK'], ['broken', 'FAILED'], ['unreachable', 'FAILED'], ['hung', 'FAILED'], ['legacy', 'UNSUPPORTED']]);
    t.deepEqual(body.stores[0], {
      error: null,
      name: 'main',
      reaper: {recent: [{executionId: reaped[0]?.executionId, instruction: 'e', taskName: 'emails', terminatedAt: new Date(START + 61_000).toISOString()}], terminated: 1},
      status: 'OK',
      tasks: [{completed: 2, dead: 0, failed: 1, lastTerminatedAt: new Date(START + 61_000).toISOString(), running: 1, taskName: 'emails', terminated: 1}],
    });
    t.like(body.stores[1], {error: {code: 'DISPATCH_SUMMARY_FAILED', message: 'Reading the dispatch store `broken` failed; the server\'s log has the cause.'}, reaper: null, tasks: []});
    t.like(body.stores[2], {error: {code: 'STORE_UNREACHABLE'}});
    // The second request joins the read still hanging: it is bounded again, not started again.
    t.like(body.stores[3], {error: {code: 'STORE_TIMEOUT', message: '`summarizeExecutions` got no answer within 50 ms.'}});
    t.like(body.stores[4], {error: null, reaper: null, tasks: []});
  }
});

test('GET /v1/dispatch needs the read role: a worker token gets 403 FORBIDDEN, no token 401; without dispatch stores it lists none', async (t) => {
  const {api} = await startServer(t, createMemorySchedulerStore(), {auth});

  t.like(await api.request('GET', '/v1/dispatch', {token: TOKENS.worker}), {body: {code: 'FORBIDDEN', role: 'worker'}, status: 403});
  t.like(await api.request('GET', '/v1/dispatch'), {body: {code: 'UNAUTHORIZED'}, status: 401});
  t.like(await api.request('GET', '/v1/dispatch', {token: TOKENS.read}), {body: {stores: []}, status: 200});
});

test('createServer refuses dispatch stores with a duplicate name, no store, or a bad timeout (INVALID_SERVER_CONFIGURATION)', async (t) => {
  const scheduler = {getJob: async () => null} as never;
  const store = createMemoryStore();

  t.throws(() => createServer({dispatchStores: [{name: 'a', store}, {name: 'a', store}], scheduler}), {code: 'INVALID_SERVER_CONFIGURATION', message: 'Expected `dispatchStores.1.name` to be a non-empty string, unique among the dispatch stores, got `"a"`.'});
  t.throws(() => createServer({dispatchStores: [{name: 'a', store: null as never}], scheduler}), {code: 'INVALID_SERVER_CONFIGURATION'});
  t.throws(() => createServer({dispatchStores: [{name: 'a', store, timeout: 0}], scheduler}), {code: 'INVALID_SERVER_CONFIGURATION'});
  t.throws(() => createServer({dispatchStores: 'main' as never, scheduler}), {code: 'INVALID_SERVER_CONFIGURATION'});
});
