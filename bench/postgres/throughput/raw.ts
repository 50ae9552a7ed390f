/**
 * The floor: no engine, no slonik. ONE loop on ONE `pg` connection claims a batch with the same
 * `UPDATE … FOR UPDATE SKIP LOCKED RETURNING` query as Planton and inserts its executions, already
 * COMPLETED, in the same transaction (the least work that leaves every row with a completed
 * execution record), until no row is left.
 */
import {performance} from 'node:perf_hooks';
import pg from 'pg';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import {createPool} from 'slonik';
import {createItemTable, createSchemaName, dropSchema, waitUntilZero} from '../database.ts';
import {BENCH_URL, JOB_COUNT} from '../settings.ts';

const BATCH = 1_000;

export const settings = `one loop on one pg connection, batch ${BATCH}: BEGIN; UPDATE … SKIP LOCKED RETURNING id; INSERT executions (state COMPLETED); COMMIT`;

export const measure = async () => {
  const schema = createSchemaName('raw');
  // The store creates Planton's tables (and the task row), so the raw loop writes the same table.
  const setupPool = await createPool(BENCH_URL, {maximumPoolSize: 1});
  const store = await createPostgresStore({pool: setupPool, reaperInterval: 0, schema});

  await store.registerTask({name: 'items'});
  await store.terminate();
  await setupPool.end();
  await createItemTable(schema, JOB_COUNT);

  const client = new pg.Client({connectionString: BENCH_URL});

  await client.connect();

  try {
    const s = client.escapeIdentifier(schema);
    const {rows: [task]} = await client.query<{id: number}>(`SELECT id FROM ${s}.maintenance_task WHERE nid = 'items'`);
    const claim = `
      UPDATE ${s}.item SET claimed_at = now()
      WHERE id = ANY(ARRAY(SELECT id FROM ${s}.item WHERE claimed_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED))
      RETURNING id
    `;
    const record = `
      INSERT INTO ${s}.maintenance_task_execution (maintenance_task_id, instruction, hostname, state, started_at, last_seen_at, ended_at)
      SELECT $1, to_jsonb(instruction), 'raw', 'COMPLETED', now(), now(), now() FROM unnest($2::int[]) AS instruction
    `;

    const startedAt = performance.now();

    for (;;) {
      await client.query('BEGIN');

      const {rows} = await client.query<{id: number}>(claim, [BATCH]);

      if (rows.length > 0) {
        await client.query(record, [task?.id, rows.map((row) => row.id)]);
      }

      await client.query('COMMIT');

      if (rows.length === 0) {
        break;
      }
    }

    await waitUntilZero(client, `SELECT ${JOB_COUNT} - count(*) AS count FROM ${s}.maintenance_task_execution WHERE state = 'COMPLETED'`);

    const elapsedMs = performance.now() - startedAt;

    return {elapsedMs: Math.round(elapsedMs), rowsPerSecond: Math.round(JOB_COUNT / (elapsedMs / 1_000)), settings};
  } finally {
    await client.end();
    await dropSchema(schema);
  }
};
