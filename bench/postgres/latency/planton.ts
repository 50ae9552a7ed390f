/**
 * Planton idle (60 s polling delay): only the NOTIFY of the trigger that `installNotifyTrigger`
 * put on the user table can wake the task, in the scenario every store shares
 * (bench/stores/measureWakeUpLatency.ts). Latency: the INSERT's commit → the `task` event (the
 * execution already claimed and recorded). The processor completes each execution.
 */
import pg from 'pg';
import {createPool} from 'slonik';
import {createPgNotificationListener} from '../../../src/adapters/postgres/createPgNotificationListener.ts';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import {createPostgresDispatchTarget} from '../../stores/backends/postgresTarget.ts';
import {latencySettings, measureWakeUpLatency} from '../../stores/measureWakeUpLatency.ts';
import {createItemTable, createSchemaName, dropSchema} from '../database.ts';
import {BENCH_URL} from '../settings.ts';

export const settings = `createPgNotificationListener + installNotifyTrigger (AFTER INSERT OR UPDATE OF id), ${latencySettings(10)}, slonik pool 4 without DISCARD ALL on release`;

export const measure = async () => {
  const schema = createSchemaName('planton');
  const pool = await createPool(BENCH_URL, {
    maximumPoolSize: 4,
    resetConnection: process.env.BENCH_PLANTON_DISCARD ? undefined : async () => {
      // The bench's connections carry no session state.
    },
  });
  const listener = createPgNotificationListener({connectionUri: BENCH_URL});
  const producer = new pg.Client({connectionString: BENCH_URL});

  try {
    const store = await createPostgresStore<number>({listener, pool, reaperInterval: 0, schema});

    await createItemTable(schema, 0);
    await store.registerTask({name: 'items'});
    // Only inserts make work here: the claim's UPDATE of claimed_at must not wake the task again.
    await store.installNotifyTrigger({columns: ['id'], table: [schema, 'item'], taskName: 'items'});
    await producer.connect();

    const item = `${producer.escapeIdentifier(schema)}.item`;
    const result = await measureWakeUpLatency(createPostgresDispatchTarget({
      insert: async (id) => {
        await producer.query(`INSERT INTO ${item} (id) VALUES ($1)`, [id]);
      },
      pool,
      schema,
      settings,
      store,
    }), 10);

    await store.terminate();

    return {...result, settings};
  } finally {
    await producer.end().catch(() => undefined);
    await listener.terminate();
    await pool.end();
    await dropSchema(schema);
  }
};
