import type {ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {sql} from 'slonik';
import {z} from 'zod';
import {createPostgresSchedulerStore} from '../../src/scheduler/index.ts';
import {useFreshSchema} from '../helpers/postgres.ts';
import {spawnFixture} from '../helpers/spawnFixture.ts';
import type {SchedulerWorkerMessage} from './fixtures/schedulerWorker.ts';
import {defineServerSchedulerTests} from './helpers/postgresStores.ts';

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

    const workers: ChildProcess[] = Array.from({length: 3}, () => spawnFixture<SchedulerWorkerMessage>(WORKER, {DATABASE_URL: connectionUri, SCHEMA: schema}).child);

    t.teardown(() => {
      for (const worker of workers) {
        if (worker.exitCode === null) {
          worker.kill('SIGKILL');
        }
      }
    });

    const next = async (worker: ChildProcess) => (await once(worker, 'message'))[0] as SchedulerWorkerMessage;

    await Promise.all(workers.map(next));

    const startedAt = Date.now();

    await new Promise((resolve) => {
      setTimeout(resolve, SECONDS * 1_000);
    });

    const stoppedAt = Date.now();
    const stopped = Promise.all(workers.map(next));

    for (const worker of workers) {
      worker.send({type: 'stop'});
    }

    const reports = await stopped;
    const jobs = await pool.any(sql.type(z.object({attempt: z.number(), scheduledFor: z.number(), slotCount: z.number(), state: z.string(), taskName: z.string(), worker: z.string().nullable()}))`
      SELECT task_name AS "taskName", round(extract(epoch FROM scheduled_for) * 1000)::float8 AS "scheduledFor",
        slot_count AS "slotCount", state, attempt, worker
      FROM ${sql.identifier([schema, 'scheduled_job'])}
      ORDER BY task_name, scheduled_for
    `);

    t.deepEqual(reports.flatMap((report) => report.type === 'stopped' ? report.errors : ['not stopped']), []);

    for (const taskName of ['every-second', 'interval']) {
      // The slots that fell due while all three ran (the first one second in, the last one second before the stop).
      const window = jobs.filter((job) => job.taskName === taskName && job.scheduledFor >= startedAt + 1_000 && job.scheduledFor <= stoppedAt - 1_000);
      const expected = Math.floor((stoppedAt - 1_000) / 1_000) - Math.ceil((startedAt + 1_000) / 1_000) + 1;
      const slots = window.map((job) => job.scheduledFor);

      t.true(expected >= SECONDS - 3, `${taskName}: the window holds ${expected} slots`);
      t.is(new Set(slots).size, slots.length, `${taskName}: no slot has two jobs`);
      t.is(slots.length, expected, `${taskName}: no slot is missing`);
      t.true(slots.every((slot, index) => index === 0 || slot - (slots[index - 1] ?? 0) === 1_000), `${taskName}: consecutive seconds`);
      t.deepEqual(window.filter((job) => job.state !== 'DONE' || job.attempt !== 1 || job.slotCount !== 1), [], `${taskName}: each ran once, for one slot`);
      t.log(`${taskName}: ${slots.length} slots, run by ${new Set(window.map((job) => job.worker)).size} processes`);
    }

    t.is(reports.reduce((sum, report) => sum + (report.type === 'stopped' ? report.processed : 0), 0), jobs.filter((job) => job.state === 'DONE').length, 'no job ran twice');
  });
});
