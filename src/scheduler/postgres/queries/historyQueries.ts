/** Queries over the job history: pages of it, counts, and the pruning of ended jobs. */
import {type CommonQueryMethods, type FragmentSqlToken, sql} from 'slonik';
import type {JobRecord, JobState} from '../../recordTypes.ts';
import type {CountJobsInput, EndedJobsInput, JobCounts, JobListInput} from '../../storeTypes.ts';
import {JOB_STATES} from '../../jobStates.ts';
import type {SchedulerTables} from '../createSchedulerTables.ts';
import {at, JOB_COLUMNS, names, row, toJob} from './rows.ts';


const where = (conditions: readonly FragmentSqlToken[]) => sql.join([sql.fragment`TRUE`, ...conditions], sql.fragment` AND `);

/**
 * A page of jobs, newest `scheduled_for` first (then highest id). One index range per state asked
 * for (scheduled_job_task_history_idx with a task, scheduled_job_history_idx without), each read
 * from the cursor on and cut at `limit`, then merged: at most states × limit index entries, however
 * many jobs the table holds and however rare the states are.
 */
export const selectJobPage = async (connection: CommonQueryMethods, tables: SchedulerTables, input: JobListInput): Promise<readonly JobRecord[]> => {
  const states = input.states ?? JOB_STATES;

  if (states.length === 0) {
    return [];
  }

  const conditions: FragmentSqlToken[] = [];

  if (input.taskName !== undefined && input.taskName !== null) {
    conditions.push(sql.fragment`j.task_name = ${input.taskName}`);
  }

  if (input.from !== undefined && input.from !== null) {
    conditions.push(sql.fragment`j.scheduled_for >= ${at(input.from)}`);
  }

  if (input.to !== undefined && input.to !== null) {
    conditions.push(sql.fragment`j.scheduled_for < ${at(input.to)}`);
  }

  if (input.after !== undefined && input.after !== null) {
    conditions.push(sql.fragment`(j.scheduled_for, j.id) < (${at(input.after.scheduledFor)}, ${input.after.id}::int8)`);
  }

  return (await connection.any(sql.type(row)`
    SELECT ${JOB_COLUMNS}
    FROM unnest(${names([...new Set(states)])}) AS wanted (job_state)
    CROSS JOIN LATERAL (
      SELECT j.* FROM ${tables.job} j
      WHERE j.state = wanted.job_state AND ${where(conditions)}
      ORDER BY j.scheduled_for DESC, j.id DESC
      LIMIT ${input.limit}
    ) page
    ORDER BY page.scheduled_for DESC, page.id DESC
    LIMIT ${input.limit}
  `)).map(toJob);
};

/**
 * Jobs by task and state (see `JobCounts`): a pass over the jobs of the states counted (an index
 * range per state; the whole table, or one task's part of scheduled_job_task_history_idx, for all).
 */
export const countJobs = async (connection: CommonQueryMethods, tables: SchedulerTables, {states, taskName}: CountJobsInput): Promise<JobCounts> => {
  const counted = [...new Set(states ?? JOB_STATES)];

  if (counted.length === 0) {
    return {};
  }

  const ofTask = where([
    ...taskName === undefined || taskName === null ? [] : [sql.fragment`task_name = ${taskName}`],
    ...states === undefined || states === null ? [] : [sql.fragment`state = ANY(${names(counted)})`],
  ]);
  const ofName = taskName === undefined || taskName === null ? sql.fragment`TRUE` : sql.fragment`name = ${taskName}`;
  const rows = await connection.any(sql.type(row)`
    SELECT task_name AS "taskName", state, count(*)::float8 AS count FROM ${tables.job} WHERE ${ofTask} GROUP BY task_name, state
    UNION ALL
    SELECT name, NULL, 0 FROM ${tables.task} WHERE ${ofName}
  `);
  const counts: Record<string, Record<JobState, number>> = {};

  for (const found of rows) {
    const name = String(found.taskName);
    const ofThisTask = counts[name] ?? Object.fromEntries(counted.map((state) => [state, 0])) as Record<JobState, number>;

    counts[name] = ofThisTask;

    if (found.state !== null) {
      ofThisTask[found.state as JobState] = Number(found.count);
    }
  }

  return counts;
};

const endedConditions = ({endedBefore, states, taskName}: EndedJobsInput) => {
  const conditions = [sql.fragment`state = ANY(${names(states)})`, sql.fragment`ended_at < ${at(endedBefore)}`];

  if (taskName !== undefined && taskName !== null) {
    conditions.push(sql.fragment`task_name = ${taskName}`);
  }

  return where(conditions);
};

export const countEndedJobs = async (connection: CommonQueryMethods, tables: SchedulerTables, input: EndedJobsInput): Promise<number> => {
  return Number(await connection.oneFirst(sql.type(row)`SELECT count(*)::float8 AS count FROM ${tables.job} WHERE ${endedConditions(input)}`));
};

/**
 * One batch of the prune: the `limit` lowest ids above `afterId` among the ended jobs asked for,
 * locked (SKIP LOCKED: a row another transaction holds is left), deleted with their logs (ON DELETE
 * CASCADE). The batches walk the primary key from one to the next, so a prune reads the table once
 * in all, whatever its size, with no index of its own.
 */
export const pruneJobs = async (
  connection: CommonQueryMethods,
  tables: SchedulerTables,
  input: EndedJobsInput & {readonly afterId: number; readonly limit: number},
): Promise<{readonly deleted: number; readonly lastId: number | null}> => {
  const found = await connection.one(sql.type(row)`
    WITH chosen AS (
      SELECT id FROM ${tables.job}
      WHERE id > ${input.afterId}::int8 AND ${endedConditions(input)}
      ORDER BY id
      LIMIT ${input.limit}
      FOR UPDATE SKIP LOCKED
    ),
    deleted AS (
      DELETE FROM ${tables.job} WHERE id = ANY(ARRAY(SELECT chosen.id FROM chosen)) RETURNING id
    )
    SELECT count(*)::float8 AS deleted, max(id)::float8 AS "lastId" FROM deleted
  `);

  return {deleted: Number(found.deleted), lastId: found.lastId === null ? null : Number(found.lastId)};
};
