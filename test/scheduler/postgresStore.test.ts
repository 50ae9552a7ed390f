import {fileURLToPath} from 'node:url';
import test from 'ava';
import {sql} from 'slonik';
import {z} from 'zod';
import {createPostgresSchedulerStore} from '../../src/scheduler/index.ts';
import {useFreshSchema} from '../helpers/postgres.ts';
import {defineServerSchedulerTests} from './helpers/postgresStores.ts';
import {runSchedulerProcesses} from './helpers/runSchedulerProcesses.ts';

const WORKER = fileURLToPath(new URL('fixtures/schedulerWorker.ts', import.meta.url));

/** How long the three processes run (the issue asks for at least 30 s); PLANTON_SCHEDULER_E2E_SECONDS overrides it. */
const SECONDS = Number(process.env.PLANTON_SCHEDULER_E2E_SECONDS ?? 30);

defineServerSchedulerTests('the three-process test needs PLANTON_TEST_DATABASE_URL (the scheduler store kit runs in test/testing)', ({connectionUri, getPool}) => {
  test(`postgres: three scheduler processes on one database, ${SECONDS} s of an every-second cron and a 1 s interval: every slot has exactly one job, none missing`, async (t) => {
    t.timeout(SECONDS * 1_000 + 60_000);

    const pool = await getPool();
    const schema = useFreshSchema(t, pool);

    // The tables exist before the processes start, so they begin on equal terms.
    await createPostgresSchedulerStore({pool, schema});

    await runSchedulerProcesses(t, {
      environment: {DATABASE_URL: connectionUri, SCHEMA: schema},
      listJobs: async () => await pool.any(sql.type(z.object({attempt: z.number(), scheduledFor: z.number(), slotCount: z.number(), state: z.string(), taskName: z.string(), worker: z.string().nullable()}))`
        SELECT task_name AS "taskName", round(extract(epoch FROM scheduled_for) * 1000)::float8 AS "scheduledFor",
          slot_count AS "slotCount", state, attempt, worker
        FROM ${sql.identifier([schema, 'scheduled_job'])}
        ORDER BY task_name, scheduled_for
      `),
      seconds: SECONDS,
      worker: WORKER,
    });
  });
});
