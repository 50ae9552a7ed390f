/**
 * The database side of every broker test (BullMQ, RabbitMQ, NATS JetStream): a schema of items, a
 * store, a processor that counts its runs, and Planton dispatching through a sink. A broker file
 * adds only its broker (names, admin connection, sink, worker), so this is written once and the
 * conformance suite (defineSinkConformanceTests) finds the same fields for every broker.
 */
import type {ExecutionContext} from 'ava';
import {sql} from 'slonik';
import {z} from 'zod';
import {connectSink} from '../../../../src/adapters/sinks/connectSink.ts';
import {createPostgresStore} from '../../../../src/adapters/postgres/createPostgresStore.ts';
import type {PostgresClaim} from '../../../../src/adapters/postgres/types.ts';
import type {Sink, SinkMessage, SinkProcessor, WorkerEvents} from '../../../../src/adapters/sinks/types.ts';
import {createPlanton, type Emitter} from '../../../../src/index.ts';
import {countEvents} from '../../../helpers/countEvents.ts';
import {withDeadline} from '../../../helpers/withDeadline.ts';
import {createSchemaName, dropSchema, SERVER_URL, usePglite, useServer} from '../../../helpers/postgres.ts';
import {countExecutions, createItemClaim, createItems} from '../../postgres/helpers/items.ts';

export type SinkTestDispatchConfiguration<BrokerSink extends Sink<number>> = {
  /**
   * What the task claims.
   * @default createItemClaim(schema): unprocessed items without a RUNNING execution
   */
  readonly claim?: PostgresClaim<number>;
  /**
   * The task's concurrency: how many executions may be RUNNING (claimed, not yet ended) at once.
   * @default 500
   */
  readonly concurrency?: number;
  /** Closed with the dispatch, after Planton and the connection. */
  readonly sink: BrokerSink;
};

export type SinkTestContext = Awaited<ReturnType<ReturnType<typeof createSinkTestBed>['setUp']>>;

/**
 * Registers the end of the database backend after the file's tests (one per test file: PGlite takes
 * seconds to start) and returns the per-test `setUp`.
 */
export const createSinkTestBed = () => {
  // The server when PLANTON_TEST_DATABASE_URL is set, else PGlite.
  const backend = SERVER_URL === null ? usePglite() : useServer(SERVER_URL);

  /**
   * Per test: a schema with `itemCount` items and a store on it, both removed afterwards with
   * everything handed to `addCleanUp` (closed in reverse order, before the schema is dropped).
   */
  const setUp = async (t: ExecutionContext, itemCount: number) => {
    const {pool} = await backend.get();
    const schema = createSchemaName();
    const cleanUps: Array<() => Promise<void>> = [];

    t.teardown(async () => {
      // A close that hangs fails the test here instead of timing out the whole file.
      for (const cleanUp of cleanUps.reverse()) {
        await withDeadline(cleanUp(), 'a clean-up step', 30_000);
      }

      await dropSchema(pool, schema);
    });

    const addCleanUp = (cleanUp: () => Promise<void>) => {
      cleanUps.push(cleanUp);
    };

    await createItems(pool, schema, itemCount);

    const store = await createPostgresStore<number>({pool, reaperInterval: 0, schema});

    addCleanUp(async () => {
      await store.terminate();
    });

    /** How many times a processor ran, per instruction (a second run is a duplicate the broker let through). */
    const runs = new Map<number, number>();

    const recordRun = (message: SinkMessage<number>) => {
      runs.set(message.instruction, (runs.get(message.instruction) ?? 0) + 1);
    };

    /** The processor: counts each run, in memory and in the item's row, so a second run shows in the database too. */
    const processItem: SinkProcessor<number> = async (message) => {
      recordRun(message);
      await pool.query(sql.type(z.object({}))`
        UPDATE ${sql.identifier([schema, 'item'])} SET processed_count = processed_count + 1 WHERE id = ${message.instruction}
      `);
    };

    /** The executions per state, e.g. `{COMPLETED: 3, FAILED: 1}` (a state without executions is absent). */
    const countByState = async () => {
      return Object.fromEntries((await countExecutions(pool, schema)).map(({count, state}) => [state, count])) as Readonly<Record<string, number | undefined>>;
    };

    /** Planton claiming items → connectSink → `sink`, with Planton's `error` events counted. */
    const dispatch = <BrokerSink extends Sink<number>>(configuration: SinkTestDispatchConfiguration<BrokerSink>) => {
      const {claim = createItemClaim(schema), concurrency = 500, sink} = configuration;
      const planton = createPlanton<number>({
        getActiveTaskInstructions: store.getActiveTaskInstructions,
        tasks: [{calculateDelay: () => 5, concurrency, name: 'items', schedule: store.createSchedule(claim)}],
      });
      const errors = countEvents(planton.events, 'error');
      const connection = connectSink({planton, sink, store});

      addCleanUp(async () => {
        await planton.terminate();
        await connection.close();
        await sink.close();
      });

      return {connection, errors, planton, sink};
    };

    /**
     * Closes `worker` with the test and counts the outcomes every sink's worker reports (the events
     * of its connection are the broker file's to count).
     */
    const watchWorker = <Events extends WorkerEvents<number>>(worker: {readonly close: () => Promise<void>; readonly events: Emitter<Events>}) => {
      addCleanUp(async () => {
        await worker.close();
      });

      return {
        close: worker.close,
        completed: countEvents(worker.events, 'completed'),
        errors: countEvents(worker.events, 'error'),
        failed: countEvents(worker.events, 'failed'),
        skipped: countEvents(worker.events, 'skipped'),
      };
    };

    return {addCleanUp, countByState, dispatch, pool, processItem, recordRun, runs, schema, store, watchWorker};
  };

  return {setUp};
};
