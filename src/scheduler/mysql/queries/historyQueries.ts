/** Queries over the job history: pages of it, counts, and the pruning of ended jobs. */
import {JOB_STATES} from '../../jobStates.ts';
import type {JobRecord, JobState} from '../../recordTypes.ts';
import type {CountJobsInput, EndedJobsInput, JobCounts, JobListInput} from '../../storeTypes.ts';
import type {MysqlSchedulerTables} from '../createMysqlSchedulerTables.ts';
import {execute, jobColumns, list, type Queryable, selectRows, toJob} from './rows.ts';

/**
 * A page of jobs, newest `scheduled_for` first (then highest id). One index range per state asked
 * for (task_history_idx with a task, history_idx without), each read from the cursor on and cut at
 * `limit`, then merged (UNION ALL of parenthesised parts: MariaDB has no LATERAL): at most
 * states × limit index entries, however many jobs the table holds and however rare the states are.
 * The cursor is spelled out (`a < x OR (a = x AND b < y)`): both servers use an index for that, not
 * always for a row comparison.
 */
export const selectJobPage = async (connection: Queryable, tables: MysqlSchedulerTables, input: JobListInput): Promise<readonly JobRecord[]> => {
  const states = [...new Set(input.states ?? JOB_STATES)];

  if (states.length === 0) {
    return [];
  }

  const conditions: string[] = [];
  const values: unknown[] = [];

  if (input.taskName !== undefined && input.taskName !== null) {
    conditions.push('j.task_name = ?');
    values.push(input.taskName);
  }

  if (input.from !== undefined && input.from !== null) {
    conditions.push('j.scheduled_for >= ?');
    values.push(input.from);
  }

  if (input.to !== undefined && input.to !== null) {
    conditions.push('j.scheduled_for < ?');
    values.push(input.to);
  }

  if (input.after !== undefined && input.after !== null) {
    conditions.push('(j.scheduled_for < ? OR (j.scheduled_for = ? AND j.id < ?))');
    values.push(input.after.scheduledFor, input.after.scheduledFor, input.after.id);
  }

  const filter = conditions.map((condition) => ` AND ${condition}`).join('');
  const parts = states.map(() => `(SELECT ${jobColumns('j')} FROM ${tables.job} j WHERE j.state = ?${filter} ORDER BY j.scheduled_for DESC, j.id DESC LIMIT ?)`);

  return (await selectRows(connection, `${parts.join(' UNION ALL ')} ORDER BY scheduledFor DESC, id DESC LIMIT ?`, [
    ...states.flatMap((state) => [state, ...values, input.limit]),
    input.limit,
  ])).map(toJob);
};

/**
 * Jobs by task and state (see `JobCounts`): a pass over the jobs of the states counted (an index
 * range per state; the whole table, or one task's part of task_history_idx, for all).
 */
export const countJobs = async (connection: Queryable, tables: MysqlSchedulerTables, {states, taskName}: CountJobsInput): Promise<JobCounts> => {
  const counted = [...new Set(states ?? JOB_STATES)];

  if (counted.length === 0) {
    return {};
  }

  const ofTask = taskName === undefined || taskName === null ? '' : ' AND task_name = ?';
  const ofState = states === undefined || states === null ? '' : ' AND state IN (?)';
  const ofName = taskName === undefined || taskName === null ? '' : ' AND name = ?';
  const rows = await selectRows(connection, `
    SELECT CONVERT(task_name USING utf8mb4) AS taskName, state, count(*) AS count FROM ${tables.job} WHERE TRUE${ofTask}${ofState} GROUP BY task_name, state
    UNION ALL
    SELECT CONVERT(name USING utf8mb4), NULL, 0 FROM ${tables.task} WHERE TRUE${ofName}
  `, [
    ...ofTask === '' ? [] : [taskName],
    ...ofState === '' ? [] : [list(counted)],
    ...ofName === '' ? [] : [taskName],
  ]);
  const counts: Record<string, Record<JobState, number>> = {};

  for (const found of rows) {
    const name = String(found.taskName);
    const ofThisTask = counts[name] ?? Object.fromEntries(counted.map((state) => [state, 0])) as Record<JobState, number>;

    counts[name] = ofThisTask;

    if (found.state !== null) {
      ofThisTask[String(found.state) as JobState] = Number(found.count);
    }
  }

  return counts;
};

const endedConditions = ({endedBefore, states, taskName}: EndedJobsInput): readonly [string, readonly unknown[]] => {
  return taskName === undefined || taskName === null ?
    ['state IN (?) AND ended_at < ?', [list(states), endedBefore]] :
    ['state IN (?) AND ended_at < ? AND task_name = ?', [list(states), endedBefore, taskName]];
};

export const countEndedJobs = async (connection: Queryable, tables: MysqlSchedulerTables, input: EndedJobsInput): Promise<number> => {
  const [condition, values] = endedConditions(input);
  const [found] = await selectRows(connection, `SELECT count(*) AS count FROM ${tables.job} WHERE ${condition}`, values);

  return Number(found?.count ?? 0);
};

/**
 * One batch of the prune: the `limit` lowest ids above `afterId` among the ended jobs asked for,
 * locked (SKIP LOCKED: a row another transaction holds is left), deleted with their logs (ON DELETE
 * CASCADE). The batches walk the primary key from one to the next, so a prune reads the table once
 * in all, whatever its size, with no index of its own.
 */
export const pruneJobs = async (
  connection: Queryable,
  tables: MysqlSchedulerTables,
  input: EndedJobsInput & {readonly afterId: number; readonly limit: number},
): Promise<{readonly deleted: number; readonly lastId: number | null}> => {
  const [condition, values] = endedConditions(input);
  const chosen = (await selectRows(connection, `
    SELECT id FROM ${tables.job} WHERE id > ? AND ${condition} ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED
  `, [input.afterId, ...values, input.limit])).map((found) => Number(found.id));

  if (chosen.length === 0) {
    return {deleted: 0, lastId: null};
  }

  const result = await execute(connection, `DELETE FROM ${tables.job} WHERE id IN (?)`, [list(chosen)]);

  return {deleted: result.affectedRows, lastId: Math.max(...chosen)};
};
