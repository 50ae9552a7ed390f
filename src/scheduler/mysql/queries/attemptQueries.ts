/** Queries that move a job's attempt: claimed (RUNNING), ended, or given back unstarted. */
import type {JobRecord} from '../../recordTypes.ts';
import type {JobFinish} from '../../storeTypes.ts';
import type {MysqlSchedulerTables} from '../createMysqlSchedulerTables.ts';
import {execute, json, list, PENDING, type Queryable, selectJobsById, selectRows} from './rows.ts';

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
    SELECT t.name AS name, t.timeout_ms AS timeout, t.concurrency - (SELECT count(*) FROM ${tables.job} r WHERE r.task_name = t.name AND r.state = 'RUNNING') AS free
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

  // One UPDATE per task, its timeout as a parameter: an UPDATE joined to the task table would take
  // shared locks on task rows, and wait for (or deadlock with) a saveTask holding one.
  const timeouts = new Map(tasks.map((task) => [String(task.name), Number(task.timeout)]));
  const chosenIds = new Set(chosen);

  for (const [taskName, timeout] of timeouts) {
    const ids = candidates.filter((job) => job.taskName === taskName && chosenIds.has(job.id)).map((job) => job.id);

    if (ids.length > 0) {
      await execute(connection, `
        UPDATE ${tables.job}
        SET state = 'RUNNING', attempt = attempt + 1, started_at = GREATEST(run_at, ?), lease_until = GREATEST(run_at, ?) + ?,
          worker = ?, progress = NULL, step = NULL
        WHERE id IN (?)
      `, [now, now, timeout, worker, list(ids)]);
    }
  }

  return [...await selectJobsById(connection, tables, chosen)].sort((a, b) => a.runAt - b.runAt || a.id - b.id);
};

/**
 * Ends many RUNNING attempts: the jobs are locked by primary key in one statement and fenced here (the
 * same attempt, and for a recovery a lease ended by then), then updated in one statement (each its
 * own outcome, by `CASE id`) and read back. Returns the jobs that were those attempts (the others are missing).
 */
export const finishJobs = async (connection: Queryable, tables: MysqlSchedulerTables, finishes: readonly JobFinish[]): Promise<readonly JobRecord[]> => {
  if (finishes.length === 0) {
    return [];
  }

  const locked = new Map((await selectRows(connection, `
    SELECT id, attempt, lease_until AS leaseUntil FROM ${tables.job} WHERE id IN (?) AND state = 'RUNNING' FOR UPDATE
  `, [list(finishes.map(({id}) => id))])).map((found) => [Number(found.id), {attempt: Number(found.attempt), leaseUntil: Number(found.leaseUntil)}]));
  const finished = finishes.filter(({attempt, id, leaseEndedBy}) => {
    const running = locked.get(id);

    if (running === undefined || running.attempt !== attempt || (leaseEndedBy !== undefined && !(running.leaseUntil <= leaseEndedBy))) {
      return false;
    }

    // A job listed twice in one batch is ended once: by its first finish that fits.
    locked.delete(id);

    return true;
  });

  if (finished.length === 0) {
    return [];
  }

  /** `CASE id WHEN … THEN … END` of one column, each job's value a parameter. */
  const byId = (value: (finish: JobFinish) => unknown): readonly [string, readonly unknown[]] => [
    `CASE id ${finished.map(() => 'WHEN ? THEN ?').join(' ')} END`,
    finished.flatMap((finish) => [finish.id, value(finish)]),
  ];
  const [state, stateValues] = byId(({outcome}) => outcome.state);
  const [endedAt, endedAtValues] = byId(({now, outcome}) => outcome.state === 'WAITING' ? null : now);
  const [runAt, runAtValues] = byId(({outcome}) => outcome.state === 'WAITING' ? outcome.runAt : null);
  const [error, errorValues] = byId(({outcome}) => outcome.state === 'DONE' ? null : JSON.stringify(outcome.error));
  // NULL unless DONE, as on PostgreSQL: only a DONE attempt has a result.
  const [result, resultValues] = byId(({outcome}) => outcome.state === 'DONE' ? json(outcome.result) : null);

  // One statement for the batch; no assignment reads a column another one changes.
  await execute(connection, `
    UPDATE ${tables.job}
    SET state = ${state}, lease_until = NULL, ended_at = ${endedAt}, run_at = COALESCE(${runAt}, run_at), error = COALESCE(${error}, error),
      result = ${result}
    WHERE id IN (?)
  `, [...stateValues, ...endedAtValues, ...runAtValues, ...errorValues, ...resultValues, list(finished.map(({id}) => id))]);

  return await selectJobsById(connection, tables, finished.map(({id}) => id));
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
    WHERE id IN (?) AND state = 'RUNNING' AND (${jobs.map(() => '(id = ? AND attempt = ?)').join(' OR ')})
  `, [list(jobs.map(({id}) => id)), ...jobs.flatMap(({attempt, id}) => [id, attempt])]);
};
