/**
 * Tests that need a real server: several processes on one database, SIGKILL, pg_terminate_backend.
 * Registered by store.test.ts when PLANTON_TEST_DATABASE_URL is set.
 */
import type {ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {fileURLToPath} from 'node:url';
import type {TestFn} from 'ava';
import {sql} from 'slonik';
import {z} from 'zod';
import {createPgNotificationListener} from '../../../../src/adapters/postgres/createPgNotificationListener.ts';
import {createPostgresStore} from '../../../../src/adapters/postgres/createPostgresStore.ts';
import type {WakeReason} from '../../../../src/adapters/types.ts';
import {createPlanton, createSystemClock} from '../../../../src/index.ts';
import {createDeferred} from '../../../helpers/createManualClock.ts';
import {useFreshSchema, useServer} from '../../../helpers/postgres.ts';
import {spawnFixture} from '../../../helpers/spawnFixture.ts';
import type {ParentMessage, WorkerMessage} from '../fixtures/worker.ts';
import {countExecutions, countItems, createItemClaim, createItems, processItem} from './items.ts';

const WORKER = fileURLToPath(new URL('../fixtures/worker.ts', import.meta.url));

const spawnWorker = (connectionUri: string, schema: string, environment: Record<string, string> = {}) => {
  const fixture = spawnFixture<WorkerMessage>(WORKER, {...environment, DATABASE_URL: connectionUri, SCHEMA: schema});

  const post = (message: ParentMessage) => {
    fixture.child.send(message);
  };

  return {...fixture, post};
};

const kill = (child: ChildProcess) => {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
  }
};

export const defineServerTests = (test: TestFn, connectionUri: string) => {
  const server = useServer(connectionUri);

  const setUp = async (t: {teardown: (callback: () => Promise<void>) => void}) => {
    const {pool} = await server.get();

    return {pool, schema: useFreshSchema(t, pool)};
  };

  test('postgres: two engines in two processes dispatch each of 5,000 instructions exactly once', async (t) => {
    const {pool, schema} = await setUp(t);
    const total = 5_000;

    // Schema and items exist before the workers start, so both begin on equal terms.
    await (await createPostgresStore({pool, reaperInterval: 0, schema})).terminate();
    await createItems(pool, schema, total);

    const workers = [spawnWorker(connectionUri, schema), spawnWorker(connectionUri, schema)];

    t.teardown(() => {
      for (const worker of workers) {
        kill(worker.child);
      }
    });

    await Promise.all(workers.map(async (worker) => await worker.waitFor((message): message is WorkerMessage & {type: 'ready'} => message.type === 'ready')));

    const allCompleted = createDeferred<void>();
    let completed = 0;

    for (const worker of workers) {
      worker.onMessage(() => {
        const last = worker.messages.at(-1);

        if (last?.type === 'completed' && ++completed === total) {
          allCompleted.resolve();
        }
      });
      worker.post({type: 'start'});
    }

    await allCompleted.promise;

    for (const worker of workers) {
      worker.post({type: 'stop'});
    }

    const stopped = await Promise.all(workers.map(async (worker) => await worker.waitFor((message): message is WorkerMessage & {type: 'stopped'} => message.type === 'stopped')));

    t.log(`processed per process: ${stopped.map((message) => message.processed).join(', ')}`);
    t.deepEqual(stopped.flatMap((message) => message.errors), []);
    t.is(stopped.reduce((sum, message) => sum + message.processed, 0), total);
    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
    t.deepEqual(await countExecutions(pool, schema), [{count: total, state: 'COMPLETED'}]);
  });

  test('postgres: a process killed between claim and completion loses nothing: the reaper frees its work and it is dispatched again', async (t) => {
    const {pool, schema} = await setUp(t);
    const total = 300;

    await (await createPostgresStore({pool, reaperInterval: 0, schema})).terminate();
    await createItems(pool, schema, total);

    const worker = spawnWorker(connectionUri, schema, {CLAIM_LIMIT: '120', MODE: 'claim-and-hang'});

    t.teardown(() => {
      kill(worker.child);
    });

    const {instructions: claimedByKilled} = await worker.waitFor((message): message is WorkerMessage & {type: 'claimed'} => message.type === 'claimed');
    const exited = once(worker.child, 'exit');

    worker.child.kill('SIGKILL');
    t.deepEqual((await exited)[1], 'SIGKILL');
    t.is(claimedByKilled.length, 120);

    // This process lives two hours later than the dead one: its heartbeats are far past the default 5 minutes.
    const system = createSystemClock();
    const store = await createPostgresStore<number>({
      clock: {now: () => system.now() + 7_200_000, sleep: system.sleep},
      pool,
      reaperInterval: 0,
      schema,
    });

    t.teardown(async () => {
      await store.terminate();
    });

    const reaped = await store.reap();

    t.deepEqual(reaped.map((execution) => execution.instruction).sort((a, b) => a - b), [...claimedByKilled].sort((a, b) => a - b));

    const planton = createPlanton<number>({
      getActiveTaskInstructions: store.getActiveTaskInstructions,
      tasks: [{calculateDelay: () => 0, concurrency: 50, name: 'items', schedule: store.createSchedule(createItemClaim(schema))}],
    });

    t.teardown(async () => {
      await planton.terminate();
    });

    const done = createDeferred<void>();
    const errors: unknown[] = [];
    let processed = 0;

    planton.events.on('task', (event) => {
      void processItem(pool, store, schema, event).then(() => {
        if (++processed === total) {
          done.resolve();
        }
      }, (error: unknown) => {
        errors.push(error);
      });
    });

    await done.promise;
    await planton.terminate();

    t.deepEqual(errors, []);
    t.deepEqual(await countItems(pool, schema), {done: total, duplicated: 0, total});
    t.deepEqual(await countExecutions(pool, schema), [{count: total, state: 'COMPLETED'}, {count: 120, state: 'TERMINATED'}]);
  });

  test('postgres: the listener reconnects after pg_terminate_backend and wakes again', async (t) => {
    const {pool, schema} = await setUp(t);
    const listener = createPgNotificationListener({connectionUri, reconnectDelay: () => 10});
    const store = await createPostgresStore({listener, pool, reaperInterval: 0, schema});

    t.teardown(async () => {
      await store.terminate();
      await listener.terminate();
    });

    const reasons: WakeReason[] = [];
    let notified = createDeferred<void>();
    const reconnected = createDeferred<number>();

    listener.events.on('connected', ({backendPid, reconnected: isReconnection}) => {
      if (isReconnection) {
        reconnected.resolve(backendPid);
      }
    });

    await store.subscribe({
      onWake: (reason) => {
        reasons.push(reason);

        if (reason === 'NOTIFICATION') {
          notified.resolve();
        }
      },
      taskName: 'items',
    });

    await store.notifyTask('items');
    await notified.promise;

    const firstPid = listener.getBackendPid();

    t.not(firstPid, null);
    t.true(await pool.oneFirst(sql.type(z.object({terminated: z.boolean()}))`SELECT pg_terminate_backend(${firstPid ?? 0}) AS terminated`));

    const secondPid = await reconnected.promise;

    t.not(secondPid, firstPid);
    t.true(reasons.includes('RECONNECTED'), 'subscribers are woken after a reconnection: notifications may have been lost');

    notified = createDeferred<void>();
    await store.notifyTask('items');
    await notified.promise;
    t.is(reasons.filter((reason) => reason === 'NOTIFICATION').length, 2);
  });
};
