/** Queries that move a job's attempt: claimed (RUNNING), ended, or given back unstarted. */
import {type CommonQueryMethods, sql} from 'slonik';
import type {JobRecord} from '../../recordTypes.ts';
import type {JobFinish} from '../../storeTypes.ts';
import type {SchedulerTables} from '../createSchedulerTables.ts';
import {at, empty, JOB_COLUMNS, json, names, PENDING, row, toJob} from './rows.ts';

/**
 * Call holding the claim lock (`lockClaims`): a fresh snapshot counts each task's running jobs, so
 * concurrency holds across instances. Per task, its oldest due jobs up to its free concurrency; in
 * all, the oldest `limit` of those. A job claimed before its `runAt` starts (and its lease counts) from `runAt`.
 * Candidates are chosen without locks and only the `limit` chosen are locked (SKIP LOCKED: a row
 * another writer holds, say a cancel, waits for the next claim), then updated by primary key: no
 * row locked for nothing, no scan of the job table, however many ended jobs it keeps.
 */
export const claimDueJobs = async (
  connection: CommonQueryMethods,
  tables: SchedulerTables,
  {claimUntil, limit, now, taskNames, worker}: {readonly claimUntil: number; readonly limit: number; readonly now: number; readonly taskNames: readonly string[]; readonly worker: string},
): Promise<readonly JobRecord[]> => {
  if (taskNames.length === 0 || limit <= 0) {
    return [];
  }

  return (await connection.any(sql.type(row)`
    WITH candidate AS (
      SELECT due.due_id, due.due_run_at
      FROM ${tables.task} t
      CROSS JOIN LATERAL (
        SELECT j.id AS due_id, j.run_at AS due_run_at FROM ${tables.job} j
        WHERE j.task_name = t.name AND j.state IN ${PENDING} AND j.run_at <= ${at(claimUntil)}
        ORDER BY j.run_at, j.id
        LIMIT LEAST(${limit}::int4, GREATEST(0, t.concurrency - (SELECT count(*) FROM ${tables.job} r WHERE r.task_name = t.name AND r.state = 'RUNNING')))
      ) due
      WHERE t.name = ANY(${names(taskNames)}) AND NOT t.paused
      ORDER BY due.due_run_at, due.due_id
      LIMIT ${limit}
    ),
    chosen AS (
      SELECT j.id
      FROM ${tables.job} j
      WHERE j.id = ANY(ARRAY(SELECT candidate.due_id FROM candidate)) AND j.state IN ${PENDING}
      FOR UPDATE OF j SKIP LOCKED
    )
    UPDATE ${tables.job} claimed
    SET state = 'RUNNING', attempt = claimed.attempt + 1, started_at = GREATEST(claimed.run_at, ${at(now)}),
      lease_until = GREATEST(claimed.run_at, ${at(now)}) + (SELECT t.timeout_ms FROM ${tables.task} t WHERE t.name = claimed.task_name) * interval '1 millisecond',
      worker = ${worker}, progress = NULL, step = NULL
    WHERE claimed.id = ANY(ARRAY(SELECT chosen.id FROM chosen))
    RETURNING ${JOB_COLUMNS}
  `)).map(toJob).sort((a, b) => a.runAt - b.runAt || a.id - b.id);
};

/** Ends many RUNNING attempts in one statement; returns the jobs that were those attempts (the others are missing). */
export const finishJobs = async (connection: CommonQueryMethods, tables: SchedulerTables, finishes: readonly JobFinish[]): Promise<readonly JobRecord[]> => {
  if (finishes.length === 0) {
    return [];
  }

  const input = finishes.map(({attempt, id, leaseEndedBy, now, outcome}) => ({
    finishAttempt: attempt,
    finishEndedAt: outcome.state === 'WAITING' ? null : now,
    finishError: outcome.state === 'DONE' ? null : outcome.error,
    finishId: id,
    finishLeaseEndedBy: leaseEndedBy ?? null,
    finishResult: outcome.state === 'DONE' ? outcome.result : null,
    finishRunAt: outcome.state === 'WAITING' ? outcome.runAt : null,
    finishState: outcome.state,
  }));

  return (await connection.any(sql.type(row)`
    UPDATE ${tables.job}
    SET state = finished."finishState", lease_until = NULL, ended_at = to_timestamp(finished."finishEndedAt" / 1000),
      run_at = COALESCE(to_timestamp(finished."finishRunAt" / 1000), run_at), error = COALESCE(finished."finishError", error),
      result = CASE WHEN finished."finishState" = 'DONE' THEN finished."finishResult" END
    FROM jsonb_to_recordset(${json(input)}) AS finished (
      "finishId" bigint, "finishAttempt" integer, "finishState" text, "finishEndedAt" float8, "finishRunAt" float8, "finishError" jsonb,
      "finishLeaseEndedBy" float8, "finishResult" jsonb
    )
    WHERE id = finished."finishId" AND state = 'RUNNING' AND attempt = finished."finishAttempt"
      AND (finished."finishLeaseEndedBy" IS NULL OR lease_until <= to_timestamp(finished."finishLeaseEndedBy" / 1000))
    RETURNING ${JOB_COLUMNS}
  `)).map(toJob);
};

/** Claimed attempts that never started go back to SCHEDULED (or WAITING after an earlier attempt). */
export const releaseJobs = async (connection: CommonQueryMethods, tables: SchedulerTables, jobs: ReadonlyArray<{readonly attempt: number; readonly id: number}>): Promise<void> => {
  if (jobs.length === 0) {
    return;
  }

  await connection.query(sql.type(empty)`
    UPDATE ${tables.job}
    SET state = CASE WHEN attempt = 1 THEN 'SCHEDULED' ELSE 'WAITING' END, attempt = attempt - 1, lease_until = NULL,
      started_at = CASE WHEN attempt = 1 THEN NULL ELSE started_at END, worker = CASE WHEN attempt = 1 THEN NULL ELSE worker END
    FROM jsonb_to_recordset(${json(jobs.map(({attempt, id}) => ({releaseAttempt: attempt, releaseId: id})))}) AS released ("releaseId" bigint, "releaseAttempt" integer)
    WHERE id = released."releaseId" AND state = 'RUNNING' AND attempt = released."releaseAttempt"
  `);
};
