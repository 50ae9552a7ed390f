/** Queries that move a job's attempt on SQLite: claimed (RUNNING), ended, or given back unstarted. */
import type {JobRecord} from '../../recordTypes.ts';
import type {JobFinish} from '../../storeTypes.ts';
import type {SqliteSchedulerTables} from '../createSqliteSchedulerTables.ts';
import type {SqliteConnection} from './connection.ts';
import {at, byRunAt, JOB_COLUMNS, json, names, PENDING, toJob} from './rows.ts';

/**
 * Call inside the write lock (`BEGIN IMMEDIATE`): no other connection, in this process or another,
 * writes until it commits, so each task's running jobs counted here stay counted and concurrency
 * holds across instances. Per task, its oldest due jobs up to its free concurrency (one short range
 * of the pending index each: statements cost no round trip here); in all, the oldest `limit` of
 * those, updated in one statement. However many jobs are overdue, a claim reads at most tasks ×
 * `limit` of them. A job claimed before its `runAt` starts (and its lease counts) from `runAt`.
 */
export const claimDueJobs = (
  connection: SqliteConnection,
  tables: SqliteSchedulerTables,
  {claimUntil, limit, now, taskNames, worker}: {readonly claimUntil: number; readonly limit: number; readonly now: number; readonly taskNames: readonly string[]; readonly worker: string},
): readonly JobRecord[] => {
  if (taskNames.length === 0 || limit <= 0) {
    return [];
  }

  const tasks = connection.all(`
    SELECT name, concurrency - (SELECT count(*) FROM ${tables.job} r WHERE r.task_name = t.name AND r.state = 'RUNNING') AS free
    FROM ${tables.task} t
    WHERE t.paused = 0 AND t.name IN (SELECT value FROM json_each(:names))
  `, {names: names(taskNames)});
  const due = `SELECT id, run_at FROM ${tables.job} WHERE task_name = :taskName AND state IN ${PENDING} AND run_at <= :claimUntil ORDER BY run_at, id LIMIT :limit`;
  const candidates = tasks.filter((task) => Number(task.free) > 0).flatMap((task) => connection.all(due, {
    claimUntil,
    limit: Math.min(limit, Number(task.free)),
    taskName: String(task.name),
  })).map((candidate) => ({id: Number(candidate.id), runAt: Number(candidate.run_at)}));

  if (candidates.length === 0) {
    return [];
  }

  const chosen = candidates.toSorted((a, b) => a.runAt - b.runAt || a.id - b.id).slice(0, limit).map((candidate) => candidate.id);

  return connection.all(`
    UPDATE ${tables.job} AS claimed
    SET state = 'RUNNING', attempt = attempt + 1, started_at = max(run_at, :now),
      lease_until = CAST(round(max(run_at, :now) + (SELECT t.timeout_ms FROM ${tables.task} t WHERE t.name = claimed.task_name)) AS integer),
      worker = :worker, progress = NULL, step = NULL
    WHERE id IN (SELECT value FROM json_each(:ids))
    RETURNING ${JOB_COLUMNS}
  `, {ids: JSON.stringify(chosen), now: at(now), worker}).map(toJob).toSorted(byRunAt);
};

const FINISH = (tables: SqliteSchedulerTables) => `
  UPDATE ${tables.job}
  SET state = :state, lease_until = NULL, ended_at = :endedAt, run_at = coalesce(:runAt, run_at), error = coalesce(:error, error),
    result = CASE WHEN :state = 'DONE' THEN :result END
  WHERE id = :id AND state = 'RUNNING' AND attempt = :attempt AND (:leaseEndedBy IS NULL OR lease_until <= :leaseEndedBy)
  RETURNING ${JOB_COLUMNS}
`;

/** Ends RUNNING attempts, each fenced by its attempt (and lease); in input order, each job, or `null` where it was not that running attempt. */
export const finishJobs = (connection: SqliteConnection, tables: SqliteSchedulerTables, finishes: readonly JobFinish[]): ReadonlyArray<JobRecord | null> => {
  const text = FINISH(tables);

  return finishes.map(({attempt, id, leaseEndedBy, now, outcome}) => {
    const found = connection.get(text, {
      attempt,
      endedAt: outcome.state === 'WAITING' ? null : at(now),
      error: outcome.state === 'DONE' ? null : json(outcome.error),
      id,
      leaseEndedBy: leaseEndedBy ?? null,
      result: outcome.state === 'DONE' ? json(outcome.result) : null,
      runAt: outcome.state === 'WAITING' ? at(outcome.runAt) : null,
      state: outcome.state,
    });

    return found === undefined ? null : toJob(found);
  });
};

/** Claimed attempts that never started go back to SCHEDULED (or WAITING after an earlier attempt). */
export const releaseJobs = (connection: SqliteConnection, tables: SqliteSchedulerTables, jobs: ReadonlyArray<{readonly attempt: number; readonly id: number}>): void => {
  const text = `
    UPDATE ${tables.job}
    SET state = CASE WHEN attempt = 1 THEN 'SCHEDULED' ELSE 'WAITING' END, attempt = attempt - 1, lease_until = NULL,
      started_at = CASE WHEN attempt = 1 THEN NULL ELSE started_at END, worker = CASE WHEN attempt = 1 THEN NULL ELSE worker END
    WHERE id = :id AND state = 'RUNNING' AND attempt = :attempt
  `;

  for (const {attempt, id} of jobs) {
    connection.run(text, {attempt, id});
  }
};
