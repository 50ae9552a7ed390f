/**
 * pg-boss 12.35 with its LISTEN/NOTIFY option (`useListenNotify` and a queue created with
 * `notify: true`), polling only as a 60 s backstop: latency from `send`'s commit to the handler's start.
 */
import {PgBoss} from 'pg-boss';
import {createSchemaName, dropSchema} from '../database.ts';
import {BENCH_URL} from '../settings.ts';
import {createLatencyProbe} from './insertSamples.ts';

const QUEUE = 'probe';

export const settings = 'useListenNotify, queue notify: true, work batchSize 1, notifyPollingIntervalSeconds 60, supervise/schedule off; jobs sent by a second PgBoss instance (no in-process wake-up)';

export const measure = async () => {
  const schema = createSchemaName('pg_boss');
  const boss = new PgBoss({connectionString: BENCH_URL, schedule: false, schema, supervise: false, useListenNotify: true});
  // A second instance sends, so the wake-up travels through NOTIFY, not pg-boss's in-process shortcut.
  const producer = new PgBoss({connectionString: BENCH_URL, max: 2, schedule: false, schema, supervise: false});

  boss.on('error', (error) => {
    process.stderr.write(`pg-boss: ${String(error)}\n`);
  });

  try {
    await boss.start();
    await boss.createQueue(QUEUE, {notify: true});
    await producer.start();

    const probe = createLatencyProbe();

    await boss.work(QUEUE, {notifyPollingIntervalSeconds: 60, pollingIntervalSeconds: 60}, async ([job]) => {
      probe.seen((job?.data as {id: number}).id);
    });

    const result = await probe.run(async (id) => {
      await producer.send(QUEUE, {id});
    });

    return {...result, settings};
  } finally {
    await producer.stop({graceful: false}).catch(() => undefined);
    await boss.stop({graceful: false}).catch(() => undefined);
    await dropSchema(schema);
  }
};
