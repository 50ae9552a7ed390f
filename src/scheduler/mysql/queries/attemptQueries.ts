/** Queries that move a job's attempt: claimed (RUNNING), ended, or given back unstarted. */
import type {JobRecord} from '../../recordTypes.ts';
import type {JobFinish} from '../../storeTypes.ts';
import type {MysqlSchedulerTables} from '../createMysqlSchedulerTables.ts';
import {execute, list, PENDING, type Queryable, selectJobsById, selectRows} from './rows.ts';

/**
 * Call holding the claim lock (`lockClaims`), in a READ COMMITTED transaction: each statement reads
 * what has committed, so each task's running jobs are counted afresh and concurrency holds across
 * instances. Per task, its oldest due jobs up to its free concurrency (one index range per task and
 * pending state, each cut at that number: no LATERAL on MariaDB); in all, the oldest `limit` of
 * those. Only those are locked (SKIP LOCKED: a row another writer holds, say a cancel, waits for
 * the next claim), then updated by primary key and read back (no RETURNING on UPDATE in MySQL or
 * MariaDB). A job claimed before its `runAt` starts (and its lease counts) from `runAt`.
 */
export const claimDueJobs = async (
  connection: Queryable,
  tables: MysqlSchedulerTables,
  {claimUntil, limit, now, taskNames, worker}: {readonly claimUntil: number; readonly limit: number; readonly now: number; readonly taskNames: readonly string[]; readonly worker: string},
): Promise<readonly JobRecord[]> => {
  if (taskNames.length === 0 || limit <= 0) {
    return [];
  }

  const tasks = await selectRows(connection, `
    SELECT t.name AS name, t.concurrency - (SELECT count(*) FROM ${tables.job} r WHERE r.task_name = t.name AND r.state = 'RUNNING') AS free
    FROM ${tables.task} t
    WHERE t.name IN (?) AND t.paused = FALSE
  `, [list(taskNames)]);
  const ranges: string[] = [];
  const values: unknown[] = [];

  for (const task of tasks) {
    const free = Math.min(limit, Number(task.free));

    if (free > 0) {
      for (const state of ['SCHEDULED', 'WAITING']) {
        ranges.push(`(SELECT j.id, j.task_name, j.run_at FROM ${tables.job} j WHERE j.task_name = ? AND j.state = ? AND j.run_at <= ? ORDER BY j.run_at, j.id LIMIT ?)`);
        values.push(task.name, state, claimUntil, free);
      }
    }
  }

  if (ranges.length === 0) {
    return [];
  }

  const due = await selectRows(connection, ranges.join(' UNION ALL '), values);
  const free = new Map(tasks.map((task) => [String(task.name), Number(task.free)]));
  const candidates = due
    .map((job) => ({id: Number(job.id), runAt: Number(job.run_at), taskName: String(job.task_name)}))
    .sort((a, b) => a.runAt - b.runAt || a.id - b.id)
    .filter((job) => {
      const left = free.get(job.taskName) ?? 0;

      free.set(job.taskName, left - 1);

      return left > 0;
    })
    .slice(0, limit);

  if (candidates.length === 0) {
    return [];
  }

  const chosen = (await selectRows(connection, `
    SELECT id FROM ${tables.job} WHERE id IN (?) AND state IN ${PENDING} FOR UPDATE SKIP LOCKED
  `, [list(candidates.map((job) => job.id))])).map((found) => Number(found.id));

  if (chosen.length === 0) {
    return [];
  }

  await execute(connection, `
    UPDATE ${tables.job} j JOIN ${tables.task} t ON t.name = j.task_name
    SET j.state = 'RUNNING', j.attempt = j.attempt + 1, j.started_at = GREATEST(j.run_at, ?),
      j.lease_until = GREATEST(j.run_at, ?) + t.timeout_ms, j.worker = ?, j.progress = NULL, j.step = NULL
    WHERE j.id IN (?)
  `, [now, now, worker, list(chosen)]);

  return [...await selectJobsById(connection, tables, chosen)].sort((a, b) => a.runAt - b.runAt || a.id - b.id);
};

const finishFence = (finish: JobFinish) => finish.leaseEndedBy === undefined ? '(id = ? AND attempt = ?)' : '(id = ? AND attempt = ? AND lease_until <= ?)';

const finishValues = (finish: JobFinish) => finish.leaseEndedBy === undefined ? [finish.id, finish.attempt] : [finish.id, finish.attempt, finish.leaseEndedBy];

/**
 * Ends many RUNNING attempts: the rows that still are those attempts are locked in one statement,
 * then each is updated by id (an outcome of its own) and all are read back. Returns the jobs that
 * were those attempts (the others are missing).
 */
export const finishJobs = async (connection: Queryable, tables: MysqlSchedulerTables, finishes: readonly JobFinish[]): Promise<readonly JobRecord[]> => {
  if (finishes.length === 0) {
    return [];
  }

  const running = new Set((await selectRows(connection, `
    SELECT id FROM ${tables.job} WHERE state = 'RUNNING' AND (${finishes.map(finishFence).join(' OR ')}) FOR UPDATE
  `, finishes.flatMap(finishValues))).map((found) => Number(found.id)));
  const finished: number[] = [];

  for (const {id, now, outcome} of finishes) {
    // A job listed twice in one batch is ended once: by its first finish.
    if (!running.delete(id)) {
      continue;
    }

    await execute(connection, `
      UPDATE ${tables.job}
      SET state = ?, lease_until = NULL, ended_at = ?, run_at = COALESCE(?, run_at), error = COALESCE(?, error)
      WHERE id = ?
    `, [
      outcome.state,
      outcome.state === 'WAITING' ? null : now,
      outcome.state === 'WAITING' ? outcome.runAt : null,
      outcome.state === 'DONE' ? null : JSON.stringify(outcome.error),
      id,
    ]);
    finished.push(id);
  }

  return await selectJobsById(connection, tables, finished);
};

/** Claimed attempts that never started go back to SCHEDULED (or WAITING after an earlier attempt). */
export const releaseJobs = async (connection: Queryable, tables: MysqlSchedulerTables, jobs: ReadonlyArray<{readonly attempt: number; readonly id: number}>): Promise<void> => {
  if (jobs.length === 0) {
    return;
  }

  // The CASEs read the row as it was: MySQL assigns left to right, so `attempt` is decremented last.
  await execute(connection, `
    UPDATE ${tables.job}
    SET state = CASE WHEN attempt = 1 THEN 'SCHEDULED' ELSE 'WAITING' END, lease_until = NULL,
      started_at = CASE WHEN attempt = 1 THEN NULL ELSE started_at END, worker = CASE WHEN attempt = 1 THEN NULL ELSE worker END,
      attempt = attempt - 1
    WHERE state = 'RUNNING' AND (${jobs.map(() => '(id = ? AND attempt = ?)').join(' OR ')})
  `, jobs.flatMap(({attempt, id}) => [id, attempt]));
};
