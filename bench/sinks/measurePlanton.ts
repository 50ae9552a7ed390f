/**
 * `planton+<broker>`: PostgreSQL → Planton (the PostgreSQL store's claims) → connectSink → the
 * broker's sink → the broker → its worker (no-op processor) → completion recorded in PostgreSQL.
 * Timed from the engine's start until the worker reported every instruction completed; then the
 * database is checked (every execution COMPLETED).
 */
import {connectSink} from '../../src/adapters/sinks/connectSink.ts';
import {createPostgresStore} from '../../src/adapters/postgres/createPostgresStore.ts';
import {createPlanton} from '../../src/index.ts';
import {createClaim} from '../stores/backends/postgresTarget.ts';
import {countCompleted, createBenchPool, createItemTable, createSchemaName, dropSchema} from './database.ts';
import {settings} from './settings.ts';
import type {BrokerHarness, Metrics} from './types.ts';

export const plantonSettings = `${settings.tasks} task(s) x concurrency ${settings.plantonConcurrency}, limit min(${settings.claimBatch}, free) per claim, slonik pool ${settings.poolSize} without DISCARD ALL, calculateDelay 0 (after empty rounds 10 ms doubling up to 1 s), heartbeat 60 s, reaper off`;

export const measurePlanton = async (system: string, harness: BrokerHarness, databaseUrl: string): Promise<Metrics> => {
  const {jobs} = settings;
  const schema = createSchemaName(system);
  const pool = await createBenchPool(databaseUrl, settings.poolSize);
  const stops: Array<() => Promise<void>> = [];

  try {
    const store = await createPostgresStore<number>({heartbeatInterval: 60_000, pool, reaperInterval: 0, schema});

    stops.push(async () => {
      await store.terminate();
    });
    await createItemTable(pool, schema, jobs);

    const taskNames = Array.from({length: settings.tasks}, (_, index) => `items_${index}`);

    for (const name of taskNames) {
      await store.registerTask({name});
    }

    let completed = 0;
    let resolveDone!: () => void;
    let rejectDone!: (error: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    const worker = await harness.createWorker({
      processor: () => {
        // The no-op processor.
      },
      store,
    });

    stops.push(async () => {
      await worker.close();
    });
    worker.events.on('completed', () => {
      if (++completed === jobs) {
        resolveDone();
      }
    });
    worker.events.on('error', ({error}) => {
      rejectDone(error);
    });

    const sink = await harness.createSink(store);

    stops.push(async () => {
      await sink.close();
    });

    const startedAt = performance.now();
    const planton = createPlanton<number>({
      getActiveTaskInstructions: store.getActiveTaskInstructions,
      tasks: taskNames.map((name) => ({
        // Back-to-back while claims bring work; once the table is drained, back off to 1 s, so that
        // rounds (each reads the task's RUNNING instructions) do not load the database the worker uses.
        calculateDelay: (attemptNumber) => attemptNumber === 0 ? 0 : Math.min(5 * 2 ** attemptNumber, 1_000),
        calculateLimit: (concurrency, active) => Math.min(settings.claimBatch, concurrency - active.length),
        concurrency: settings.plantonConcurrency,
        name,
        schedule: store.createSchedule(createClaim(schema)),
      })),
    });
    const connection = connectSink({planton, sink, store});

    stops.push(async () => {
      await planton.terminate();
      await connection.close();
    });
    planton.events.on('error', ({error}) => {
      rejectDone(error);
    });

    await done;

    const elapsedMs = performance.now() - startedAt;
    const recorded = await countCompleted(pool, schema);

    if (recorded !== jobs) {
      throw new Error(`Expected ${jobs} completed executions, found ${recorded}.`);
    }

    return {
      elapsedMs: Math.round(elapsedMs),
      instructionsPerSecond: Math.round(jobs / (elapsedMs / 1_000)),
      settings: `Planton: ${plantonSettings}; ${harness.settings}`,
    };
  } finally {
    for (const stop of stops.reverse()) {
      await stop().catch(() => undefined);
    }

    await harness.cleanUp().catch(() => undefined);
    await dropSchema(pool, schema);
    await pool.end();
  }
};
