/**
 * A claim whose reply is lost: the connection is cut after the claim committed, before the store
 * read the answer (a TCP proxy that lets the claim through and resets both sockets as soon as the
 * server starts answering). The executions it recorded are dispatched once, within seconds, by the
 * store's next round; a store terminated first ends them (FAILED, UNDISPATCHED_CLAIM).
 */
import {randomUUID} from 'node:crypto';
import {performance} from 'node:perf_hooks';
import test from 'ava';
import {createPool, type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import type {PostgresStore} from '../../../src/adapters/postgres/types.ts';
import {createPlanton} from '../../../src/index.ts';
import {createTcpProxy, type TcpProxy} from '../../helpers/createTcpProxy.ts';
import {createSchemaName, dropSchema} from '../../helpers/postgres.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {until} from '../../helpers/until.ts';
import {createItemClaim, createItems} from './helpers/items.ts';

/** How fast the executions of a lost claim reply must be dispatched: far below the reaper's 5 minutes. */
const RECOVERY_LIMIT = 5_000;

const selectExecutions = async (pool: DatabasePool, schema: string) => {
  return await pool.any(sql.type(z.object({code: z.string().nullable(), id: z.number(), instruction: z.number(), state: z.string()}))`
    SELECT id::int4 AS id, instruction::int4 AS instruction, state, error->>'code' AS code
    FROM ${sql.identifier([schema, 'maintenance_task_execution'])}
    ORDER BY id
  `);
};

requireEnvironment({skipTitle: 'a lost claim reply is recovered', variable: 'PLANTON_TEST_DATABASE_URL'}, (connectionUri) => {
  /**
   * A schema with three items and a store whose pool goes through a proxy to the server; its
   * hostname, a parameter of the claim's statement only, is the marker the proxy cuts the reply to.
   */
  const setUp = async (t: {teardown: (callback: () => Promise<void>) => void}) => {
    const url = new URL(connectionUri);
    const proxy: TcpProxy = await createTcpProxy({host: url.hostname, port: Number(url.port || 5_432)});
    const observer = await createPool(connectionUri, {maxPoolSize: 2});
    const proxied = new URL(connectionUri);

    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);

    const pool = await createPool(proxied.toString(), {maxPoolSize: 2});
    const schema = createSchemaName();
    const marker = `lost-reply-${randomUUID()}`;
    const stores: Array<PostgresStore<number>> = [];

    t.teardown(async () => {
      await Promise.all(stores.map(async (store) => {
        await store.terminate();
      }));
      await dropSchema(observer, schema);
      await pool.end();
      await observer.end();
      await proxy.close();
    });

    await createItems(observer, schema, 3);

    const store = await createPostgresStore<number>({hostname: marker, pool, reaperInterval: 0, schema});

    stores.push(store);

    return {marker, observer, proxy, schema, store};
  };

  test('the executions of a claim whose reply was lost are dispatched once by the next round, within seconds', async (t) => {
    const {marker, observer, proxy, schema, store} = await setUp(t);
    const cutAt = proxy.cutReplyTo(marker).then(() => performance.now());
    const dispatched: Array<{readonly at: number; readonly executionId: number | null; readonly instruction: number}> = [];
    const errors: string[] = [];
    let rounds = 0;
    const planton = createPlanton<number>({
      getActiveTaskInstructions: async (taskName, context) => {
        rounds++;

        return await store.getActiveTaskInstructions(taskName, context);
      },
      tasks: [{
        calculateDelay: (attemptNumber) => attemptNumber === 0 ? 0 : 50,
        concurrency: 3,
        name: 'items',
        schedule: store.createSchedule(createItemClaim(schema)),
      }],
    });

    t.teardown(async () => {
      await planton.terminate();
    });
    planton.events.on('error', ({error}) => {
      errors.push(error.message);
    });
    planton.events.on('task', ({instruction, taskName}) => {
      dispatched.push({at: performance.now(), executionId: store.getClaimedExecutionId({instruction, taskName}), instruction});
    });

    const cut = await cutAt;

    await until(() => dispatched.length >= 3);

    // A few rounds more: nothing is dispatched twice.
    const roundsThen = rounds;

    await until(() => rounds >= roundsThen + 3);
    await planton.terminate();

    const recovery = Math.max(...dispatched.map((event) => event.at)) - cut;
    const executions = await selectExecutions(observer, schema);

    t.log(`dispatched ${dispatched.length} executions ${recovery.toFixed(0)} ms after the cut; errors: ${errors.join(' | ')}`);
    t.true(errors.length > 0, 'the claim whose reply was lost failed');
    t.deepEqual(dispatched.map((event) => event.instruction).toSorted(), [1, 2, 3], 'each instruction once');
    t.deepEqual(executions.map((execution) => execution.state), ['RUNNING', 'RUNNING', 'RUNNING'], 'the lost claim\'s three executions, no other');
    t.deepEqual(dispatched.map((event) => event.executionId).toSorted(), executions.map((execution) => execution.id), 'dispatched are the executions the lost claim recorded');
    t.true(recovery < RECOVERY_LIMIT, `recovered in ${recovery.toFixed(0)} ms`);
  });

  test('a later claimExecutions returns what the lost claim committed, off its limit, then claims anew', async (t) => {
    const {marker, observer, proxy, schema, store} = await setUp(t);
    const claim = createItemClaim(schema);
    const cutAt = proxy.cutReplyTo(marker);

    await t.throwsAsync(store.claimExecutions({activeTaskInstructions: [], claim, concurrency: 3, limit: 2, taskName: 'items'}));
    await cutAt;

    const committed = await selectExecutions(observer, schema);

    t.deepEqual(committed.map((execution) => execution.instruction), [1, 2], 'the claim committed');

    const recovered = await store.claimExecutions({activeTaskInstructions: [], claim, concurrency: 3, limit: 3, taskName: 'items'});

    t.deepEqual(recovered.map((execution) => [execution.executionId, execution.instruction]), [
      ...committed.map((execution) => [execution.id, execution.instruction]),
      [(await selectExecutions(observer, schema))[2]?.id, 3],
    ]);

    // Found once: the token is dropped, the next claim finds the task full.
    t.deepEqual(await store.claimExecutions({activeTaskInstructions: [1, 2, 3], claim, concurrency: 3, limit: 1, taskName: 'items'}), []);
    t.is((await selectExecutions(observer, schema)).length, 3);
  });

  test('a store terminated before its next claim ends what a lost claim reply recorded as FAILED (UNDISPATCHED_CLAIM)', async (t) => {
    const {marker, observer, proxy, schema, store} = await setUp(t);
    const cutAt = proxy.cutReplyTo(marker);

    await t.throwsAsync(store.claimExecutions({activeTaskInstructions: [], claim: createItemClaim(schema), concurrency: 3, limit: 3, taskName: 'items'}));
    await cutAt;
    await store.terminate();

    t.deepEqual((await selectExecutions(observer, schema)).map(({code, instruction, state}) => ({code, instruction, state})), [
      {code: 'UNDISPATCHED_CLAIM', instruction: 1, state: 'FAILED'},
      {code: 'UNDISPATCHED_CLAIM', instruction: 2, state: 'FAILED'},
      {code: 'UNDISPATCHED_CLAIM', instruction: 3, state: 'FAILED'},
    ]);
  });
});
