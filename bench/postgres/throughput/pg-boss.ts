/**
 * pg-boss 12.35: 20,000 jobs inserted in bulk (`insert`) before the clock starts, then `work` with
 * a batch handler that does nothing, until no job of the queue is left uncompleted.
 */
import {performance} from 'node:perf_hooks';
import {PgBoss} from 'pg-boss';
import {createDeferred, createSchemaName, dropSchema, waitUntilZero, withClient} from '../database.ts';
import {BENCH_URL, JOB_COUNT} from '../settings.ts';

const BATCH = Number(process.env.BENCH_PGBOSS_BATCH ?? 1_000);
const WORKERS = Number(process.env.BENCH_PGBOSS_WORKERS ?? 4);
const POOL = Number(process.env.BENCH_PGBOSS_POOL ?? 10);
const QUEUE = 'noop';

export const settings = `work batchSize ${BATCH}, localConcurrency ${WORKERS}, burstWhenBatchFull, pollingIntervalSeconds 0.5, pool ${POOL}, supervise/schedule off`;

export const measure = async () => {
  const schema = createSchemaName('pg_boss');
  const boss = new PgBoss({connectionString: BENCH_URL, max: POOL, schedule: false, schema, supervise: false});

  boss.on('error', (error) => {
    process.stderr.write(`pg-boss: ${String(error)}\n`);
  });

  try {
    await boss.start();
    await boss.createQueue(QUEUE);

    for (let offset = 0; offset < JOB_COUNT; offset += 5_000) {
      await boss.insert(QUEUE, Array.from({length: Math.min(5_000, JOB_COUNT - offset)}, (_, index) => ({data: {id: offset + index + 1}})));
    }

    const done = createDeferred<void>();
    let handled = 0;
    let firstAt: number | undefined;

    const startedAt = performance.now();

    await boss.work(QUEUE, {batchSize: BATCH, burstWhenBatchFull: true, localConcurrency: WORKERS, pollingIntervalSeconds: 0.5}, async (jobs) => {
      firstAt ??= performance.now();
      handled += jobs.length;

      if (handled >= JOB_COUNT) {
        done.resolve();
      }
    });

    await done.promise;
    await withClient(async (client) => {
      await waitUntilZero(client, `SELECT count(*) FROM ${client.escapeIdentifier(schema)}.job WHERE name = $1 AND state <> 'completed'`, [QUEUE]);
    });

    const elapsedMs = performance.now() - startedAt;

    return {elapsedMs: Math.round(elapsedMs), rowsPerSecond: Math.round(JOB_COUNT / (elapsedMs / 1_000)), settings, startupMs: Math.round((firstAt ?? startedAt) - startedAt)};
  } finally {
    await boss.stop({graceful: false}).catch(() => undefined);
    await dropSchema(schema);
  }
};
