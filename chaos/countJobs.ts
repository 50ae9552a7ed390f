import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import type {AtLeastOnceCase} from './types.ts';

export type JobCounts = {
  readonly atLeastOnceCases: readonly AtLeastOnceCase[];
  readonly completed: number;
  /** Slots of the window that got no job at all. */
  readonly missingSlots: number;
  readonly produced: number;
  readonly recoveryMs: number | null;
  readonly catchUpMs: number | null;
  /** Runs recorded by the window's jobs' processors (every attempt that started). */
  readonly runs: number;
  readonly twiceCases: readonly AtLeastOnceCase[];
};

/**
 * Counts, from the database, the jobs of the slots in [`windowStart`, `windowEnd`) (every task runs
 * each second, misfire 'all': one job per slot): created, DONE, slots without a job, jobs run more
 * than once (a later attempt after a killed or timed-out one is the documented case; the same
 * attempt twice is not).
 */
export const countJobs = async (pool: DatabasePool, {faultEndedAt, killedPids, schema, tasks, windowEnd, windowStart}: {
  readonly faultEndedAt: number;
  readonly killedPids: ReadonlySet<number>;
  readonly schema: string;
  readonly tasks: number;
  readonly windowEnd: number;
  readonly windowStart: number;
}): Promise<JobCounts> => {
  const job = sql.identifier([schema, 'scheduled_job']);
  const from = sql.fragment`to_timestamp(${windowStart / 1_000})`;
  const to = sql.fragment`to_timestamp(${windowEnd / 1_000})`;
  const totals = await pool.one(sql.type(z.object({completed: z.number(), produced: z.number(), slots: z.number()}))`
    SELECT count(*)::int4 AS produced, count(*) FILTER (WHERE state = 'DONE')::int4 AS completed, coalesce(sum(slot_count), 0)::int4 AS slots
    FROM ${job}
    WHERE scheduled_for >= ${from} AND scheduled_for < ${to}
  `);
  const duplicates = await pool.any(sql.type(z.object({jobId: z.number(), runs: z.array(z.object({attempt: z.number(), pid: z.number()}))}))`
    SELECT r.job_id::int4 AS "jobId", json_agg(json_build_object('attempt', r.attempt, 'pid', r.pid) ORDER BY r.id) AS runs
    FROM ${sql.identifier([schema, 'job_run'])} r
    INNER JOIN ${job} j ON j.id = r.job_id
    WHERE j.scheduled_for >= ${from} AND j.scheduled_for < ${to}
    GROUP BY r.job_id
    HAVING count(*) > 1
    ORDER BY r.job_id
  `);
  // The jobs due until a second after the fault's end, within the counted window (a fault that
  // waited for its victim to hold work may end after it: the slots after it are not the run's): those an instance claims ahead (400 ms)
  // are held by it before their time. Recovery: how long after the fault's end (or after its slot,
  // for a job due later) the last of them ended (a normal job ends 0.3 s after its slot); catch-up:
  // when the last of them ended, from the fault's end.
  const affected = await pool.one(sql.type(z.object({catchUp: z.number().nullable(), open: z.number(), recovery: z.number().nullable()}))`
    SELECT
      (extract(epoch FROM max(ended_at - greatest(scheduled_for, to_timestamp(${faultEndedAt / 1_000})))) * 1000)::float8 AS recovery,
      (extract(epoch FROM max(ended_at) - to_timestamp(${faultEndedAt / 1_000})) * 1000)::float8 AS "catchUp",
      count(*) FILTER (WHERE state <> 'DONE')::int4 AS open
    FROM ${job}
    WHERE scheduled_for >= ${from} AND scheduled_for < ${to} AND scheduled_for <= to_timestamp(${(faultEndedAt + 1_000) / 1_000})
  `);
  const recoveryMs = affected.open > 0 ? null : Math.max(0, Math.round(affected.recovery ?? 0));
  const catchUpMs = affected.open > 0 ? null : Math.max(0, Math.round(affected.catchUp ?? 0));
  const runs = await pool.oneFirst(sql.type(z.object({count: z.number()}))`
    SELECT count(*)::int4 AS count
    FROM ${sql.identifier([schema, 'job_run'])} r
    INNER JOIN ${job} j ON j.id = r.job_id
    WHERE j.scheduled_for >= ${from} AND j.scheduled_for < ${to}
  `);
  const atLeastOnceCases: AtLeastOnceCase[] = [];
  const twiceCases: AtLeastOnceCase[] = [];

  for (const {jobId, runs} of duplicates) {
    const reasons = runs.slice(1).map((later, index) => {
      const earlier = runs[index]!;

      if (later.attempt <= earlier.attempt) {
        return null;
      }

      return killedPids.has(earlier.pid) ?
        'attempt ran in the killed instance: timed out after timeout + leaseGrace, then retried' :
        'attempt timed out or failed during the fault, then retried';
    });

    if (reasons.every((reason) => reason !== null)) {
      atLeastOnceCases.push({id: jobId, reason: [...new Set(reasons)].join('; '), runs: runs.length});
    } else {
      twiceCases.push({id: jobId, reason: `runs: ${JSON.stringify(runs)}`, runs: runs.length});
    }
  }

  return {
    atLeastOnceCases,
    completed: totals.completed,
    missingSlots: Math.max(0, tasks * Math.round((windowEnd - windowStart) / 1_000) - totals.slots),
    produced: totals.produced,
    runs,
    catchUpMs,
    recoveryMs,
    twiceCases,
  };
};
