/**
 * connectSink against an in-process sink (no broker) and the PostgreSQL store on PGlite: what goes in
 * a message, what happens to an instruction the broker does not confirm, and backpressure.
 */
import test, {type ExecutionContext} from 'ava';
import {sql} from 'slonik';
import {z} from 'zod';
import {connectSink} from '../../../src/adapters/sinks/connectSink.ts';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import {SinkRejectedError} from '../../../src/adapters/sinks/errors.ts';
import type {Sink, SinkMessage} from '../../../src/adapters/sinks/types.ts';
import {createPlanton, type ErrorEvent} from '../../../src/index.ts';
import {createSchemaName, dropSchema, usePglite} from '../../helpers/postgres.ts';
import {until} from '../../helpers/until.ts';
import {withDeadline} from '../../helpers/withDeadline.ts';
import {countExecutions, createItemClaim, createItems} from '../postgres/helpers/items.ts';

const pglite = usePglite();

/**
 * A sink whose every publish is decided by `decide` (resolve, reject, or never settle). As the
 * contract says, `close()` rejects the publishes still waiting (`SINK_CLOSED`).
 */
const createRecordingSink = (decide: (message: SinkMessage<number>, attempt: number) => Promise<void>) => {
  const published: Array<SinkMessage<number>> = [];
  const listeners = new Set<() => void>();
  const closing = new AbortController();
  const sink: Sink<number> = {
    close: async () => {
      closing.abort();
    },
    publish: async (message) => {
      published.push(message);

      for (const listener of listeners) {
        listener();
      }

      await Promise.race([
        decide(message, published.filter((candidate) => candidate.instruction === message.instruction).length),
        new Promise<never>((_resolve, reject) => {
          const onClose = () => {
            reject(new SinkRejectedError('CLOSED', 'The sink is closed.'));
          };

          if (closing.signal.aborted) {
            onClose();
          }

          closing.signal.addEventListener('abort', onClose, {once: true});
        }),
      ]);
    },
  };

  /** Resolves once `count` publishes were made (event-driven: no polling, no sleeping). */
  const untilPublished = async (count: number) => {
    await withDeadline(new Promise<void>((resolve) => {
      const check = () => {
        if (published.length >= count) {
          listeners.delete(check);
          resolve();
        }
      };

      listeners.add(check);
      check();
    }), `${count} publishes`);
  };

  return {published, sink, untilPublished};
};

const setUp = async (t: ExecutionContext, {concurrency, items, sink}: {readonly concurrency: number; readonly items: number; readonly sink: Sink<number>}) => {
  const {pool} = await pglite.get();
  const schema = createSchemaName();

  await createItems(pool, schema, items);

  const store = await createPostgresStore<number>({pool, reaperInterval: 0, schema});
  const planton = createPlanton<number>({
    getActiveTaskInstructions: store.getActiveTaskInstructions,
    tasks: [{calculateDelay: () => 1, concurrency, name: 'items', schedule: store.createSchedule(createItemClaim(schema))}],
  });
  const connection = connectSink({planton, sink, store});
  const errors: ErrorEvent[] = [];

  planton.events.on('error', (event) => {
    errors.push(event);
  });

  t.teardown(async () => {
    await planton.terminate();
    await sink.close();
    await connection.close();
    await store.terminate();
    await dropSchema(pool, schema);
  });

  const selectExecutions = async () => {
    return await pool.any(sql.type(z.object({error: z.unknown(), id: z.coerce.number(), instruction: z.number(), state: z.string()}))`
      SELECT id::int4 AS id, instruction, state, error FROM ${sql.identifier([schema, 'maintenance_task_execution'])} ORDER BY id
    `);
  };

  return {connection, errors, planton, pool, schema, selectExecutions, store};
};

test('every message carries the task name, the instruction and the id of the execution the store claimed for it', async (t) => {
  const {published, sink, untilPublished} = createRecordingSink(async () => undefined);
  const {connection, errors, planton, selectExecutions} = await setUp(t, {concurrency: 10, items: 10, sink});

  await untilPublished(10);
  await planton.terminate();
  await connection.close();

  const executions = await selectExecutions();

  t.deepEqual(errors, []);
  t.like(connection.getStats(), {confirmed: 10, failed: 0, inFlight: 0});
  t.deepEqual(
    [...published].sort((a, b) => a.instruction - b.instruction),
    executions.map(({id, instruction}) => ({executionId: id, instruction, taskName: 'items'})),
  );
  t.true(published.every((message) => Number.isSafeInteger(message.executionId)));
});

test('a publish the broker does not confirm releases its execution (FAILED with the reason, scheduled again) and emits SINK_PUBLISH_FAILED', async (t) => {
  // The first publish of each instruction is refused as unroutable; the second one is confirmed.
  const {published, sink, untilPublished} = createRecordingSink(async (_message, attempt) => {
    if (attempt === 1) {
      throw new SinkRejectedError('UNROUTABLE', 'RabbitMQ returned the message: no queue is bound.');
    }
  });
  const {connection, errors, planton, selectExecutions} = await setUp(t, {concurrency: 3, items: 3, sink});

  await untilPublished(6);
  await planton.terminate();
  await connection.close();

  const executions = await selectExecutions();
  const failedIds = executions.filter(({state}) => state === 'FAILED').map(({id}) => id);

  t.like(connection.getStats(), {confirmed: 3, failed: 3, inFlight: 0});
  t.is(published.length, 6);
  t.deepEqual(executions.map(({state}) => state).sort(), ['FAILED', 'FAILED', 'FAILED', 'RUNNING', 'RUNNING', 'RUNNING']);
  // Released by id: exactly the executions of the refused messages.
  t.deepEqual(failedIds, published.slice(0, 3).map((message) => message.executionId).sort((a = 0, b = 0) => a - b));

  for (const execution of executions.filter(({state}) => state === 'FAILED')) {
    t.like(execution.error as object, {code: 'SINK_PUBLISH_FAILED', sinkCode: 'SINK_UNROUTABLE'});
  }

  t.is(errors.length, 3);

  for (const {error, taskName} of errors) {
    t.is(taskName, 'items');
    t.like(error, {code: 'SINK_PUBLISH_FAILED', sinkCode: 'SINK_UNROUTABLE', taskName: 'items'});
    t.like(error.cause as object, {code: 'SINK_UNROUTABLE'});
    t.true(failedIds.includes((error as unknown as {executionId: number}).executionId));
  }
});

test('backpressure: with a broker that never confirms, the engine claims at most `concurrency` and stops claiming', async (t) => {
  const {published, sink, untilPublished} = createRecordingSink(async () => {
    await new Promise<never>(() => undefined);
  });
  const concurrency = 5;
  const {connection, errors, planton, pool, schema} = await setUp(t, {concurrency, items: 100, sink});

  await untilPublished(concurrency);

  // Let the loop go round many more times: every round finds the task full.
  const rounds = planton.getStats().items?.rounds ?? 0;

  await until(async () => (planton.getStats().items?.rounds ?? 0) >= rounds + 50);

  t.is(published.length, concurrency);
  t.like(connection.getStats(), {confirmed: 0, failed: 0, inFlight: concurrency});
  t.deepEqual(await countExecutions(pool, schema), [{count: concurrency, state: 'RUNNING'}]);
  t.deepEqual(errors, []);
});

test('without getClaimedExecutionId (a hand-written store) messages carry no execution id and releases go by instruction', async (t) => {
  const released: unknown[] = [];
  const {published, sink, untilPublished} = createRecordingSink(async () => {
    throw new SinkRejectedError('TIMEOUT', 'not confirmed in time');
  });
  const planton = createPlanton<number>({
    getActiveTaskInstructions: () => [],
    tasks: [{calculateDelay: () => 1, name: 'items', schedule: ({limit}) => (published.length === 0 ? [7].slice(0, limit) : [])}],
  });
  const connection = connectSink({
    planton,
    sink,
    store: {failExecution: async (reference, error) => {
      released.push({error, reference});
    }},
  });

  t.teardown(async () => {
    await planton.terminate();
  });

  await untilPublished(1);
  await planton.terminate();
  await connection.close();

  t.deepEqual(published, [{instruction: 7, taskName: 'items'}]);
  t.is(released.length, 1);
  t.like(released[0], {error: {code: 'SINK_PUBLISH_FAILED', executionId: null, sinkCode: 'SINK_TIMEOUT'}, reference: {instruction: 7, taskName: 'items'}});
});
