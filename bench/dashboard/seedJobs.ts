import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';

export type SeedConfiguration = {
  /** Jobs in all. */
  readonly jobs: number;
  /** When "now" is: the ended jobs are spread over the 30 days before it. */
  readonly now: Date;
  /** RUNNING jobs (the first ids), then SCHEDULED ones (due after `now`); the rest ended. */
  readonly running: number;
  readonly scheduled: number;
  /** The schema of the scheduler's tables (`planton` on PGlite). */
  readonly schema: string;
  /** The tasks' names; job `i` belongs to `taskNames[i % length]`. */
  readonly taskNames: readonly string[];
};

const empty = z.object({}).strict();

/** Seconds between two ended jobs, so that `jobs` of them span the 30 days before `now`. */
const spacing = (jobs: number) => 30 * 24 * 3600 / Math.max(1, jobs);

/**
 * Fills the scheduler's tables directly, in one INSERT … SELECT over generate_series (minutes for a
 * million rows, where the store's own calls would take hours): `running` RUNNING jobs under a lease,
 * `scheduled` SCHEDULED ones due in the next days, and the rest ended over the last 30 days, one in
 * 12 of each task's ERROR (ENOSPC, 3 attempts; the last task never fails: its last failure is found by
 * reading past all its jobs unless an index helps) and the others DONE, one in 50 a one-off. The 1,000 newest ended
 * jobs get 5 log lines each. Then ANALYZE, as autovacuum would after such a load.
 */
export const seedJobs = async (pool: DatabasePool, {jobs, now, running, scheduled, schema, taskNames}: SeedConfiguration): Promise<void> => {
  const job = sql.identifier([schema, 'scheduled_job']);
  const log = sql.identifier([schema, 'scheduled_job_log']);
  const names = sql.array(taskNames, 'text');
  const at = now.toISOString();
  const ended = running + scheduled;
  const insertJobs = sql.type(empty)`
    INSERT INTO ${job} (task_name, kind, scheduled_for, run_at, state, attempt, payload, worker, created_at, started_at, lease_until, ended_at, progress, step, error, result)
    SELECT
      (${names})[1 + i % ${taskNames.length}],
      CASE WHEN (i / ${taskNames.length}) % 50 = 0 THEN 'ONE_OFF' ELSE 'SLOT' END,
      s.scheduled_for, s.scheduled_for, s.state,
      CASE s.state WHEN 'SCHEDULED' THEN 0 WHEN 'ERROR' THEN 3 ELSE 1 END,
      jsonb_build_object('batch', i),
      CASE WHEN s.state = 'SCHEDULED' THEN NULL ELSE 'bench-worker' END,
      s.scheduled_for - interval '1 minute',
      CASE WHEN s.state = 'SCHEDULED' THEN NULL ELSE s.scheduled_for + interval '100 milliseconds' END,
      CASE WHEN s.state = 'RUNNING' THEN ${at}::timestamptz + interval '1 hour' END,
      CASE WHEN s.state IN ('DONE', 'ERROR') THEN s.scheduled_for + make_interval(secs => 1 + i % 60) END,
      CASE s.state WHEN 'DONE' THEN 1 WHEN 'RUNNING' THEN 0.5 END,
      CASE WHEN s.state = 'RUNNING' THEN 'halfway' END,
      CASE WHEN s.state = 'ERROR' THEN jsonb_build_object('code', 'ENOSPC', 'message', 'disk full', 'name', 'Error', 'stack', 'Error: disk full\n    at sweep (processors.ts:12:11)') END,
      CASE WHEN s.state = 'DONE' THEN jsonb_build_object('rows', i % 1000) END
    FROM generate_series(1, ${jobs}::integer) AS i
    CROSS JOIN LATERAL (
      SELECT
        CASE
          WHEN i <= ${running} THEN 'RUNNING'
          WHEN i <= ${ended} THEN 'SCHEDULED'
          WHEN i % ${taskNames.length} <> ${taskNames.length - 1} AND (i / ${taskNames.length}) % 12 = 0 THEN 'ERROR'
          ELSE 'DONE'
        END AS state,
        CASE
          WHEN i <= ${running} THEN ${at}::timestamptz - make_interval(secs => i)
          WHEN i <= ${ended} THEN ${at}::timestamptz + make_interval(mins => i - ${running})
          ELSE ${at}::timestamptz - make_interval(secs => (i - ${ended}) * ${spacing(jobs)}::double precision)
        END AS scheduled_for
    ) AS s
  `;
  const insertLogs = sql.type(empty)`
    INSERT INTO ${log} (job_id, attempt, created_at, message, progress, step)
    SELECT j.id, 1, j.started_at + make_interval(secs => n), 'line ' || n, n / 5.0, 'step ' || n
    FROM (SELECT id, started_at FROM ${job} WHERE state IN ('DONE', 'ERROR') AND started_at IS NOT NULL ORDER BY scheduled_for DESC LIMIT 1000) AS j
    CROSS JOIN generate_series(1, 5) AS n
  `;

  // Longer than the pool's statement_timeout (slonik's 60 s) on a loaded machine: lifted for this transaction.
  await pool.transaction(async (transaction) => {
    await transaction.query(sql.type(empty)`SET LOCAL statement_timeout = 0`);
    await transaction.query(insertJobs);
    await transaction.query(insertLogs);
  });
  await pool.query(sql.type(empty)`ANALYZE ${job}`);
  await pool.query(sql.type(empty)`ANALYZE ${log}`);
};
