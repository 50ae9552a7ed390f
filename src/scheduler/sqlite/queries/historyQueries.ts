/** Queries over the job history on SQLite: pages of it, counts, and the pruning of ended jobs. */
import type {SQLInputValue} from 'node:sqlite';
import {JOB_STATES} from '../../jobStates.ts';
import type {JobRecord, JobState} from '../../recordTypes.ts';
import type {CountJobsInput, EndedJobsInput, JobCounts, JobListInput} from '../../storeTypes.ts';
import type {SqliteSchedulerTables} from '../createSqliteSchedulerTables.ts';
import type {SqliteConnection} from './connection.ts';
import {JOB_COLUMNS, names, toJob} from './rows.ts';

/**
 * A page of jobs, newest `scheduled_for` first (then highest id). One index range per state asked
 * for (the task history index with a task, the history index without), each read from the cursor
 * on and cut at `limit`, then merged: at most states × limit index entries, however many jobs the
 * table holds and however rare the states are. The states are parameters, one per branch.
 */
export const selectJobPage = (connection: SqliteConnection, tables: SqliteSchedulerTables, input: JobListInput): readonly JobRecord[] => {
  const states = [...new Set(input.states ?? JOB_STATES)];

  if (states.length === 0) {
    return [];
  }

  const conditions: string[] = [];
  const parameters: Record<string, SQLInputValue> = {limit: input.limit};

  if (input.taskName !== undefined && input.taskName !== null) {
    conditions.push('task_name = :taskName');
    parameters.taskName = input.taskName;
  }

  if (input.from !== undefined && input.from !== null) {
    conditions.push('scheduled_for >= :from');
    parameters.from = input.from;
  }

  if (input.to !== undefined && input.to !== null) {
    conditions.push('scheduled_for < :to');
    parameters.to = input.to;
  }

  if (input.after !== undefined && input.after !== null) {
    conditions.push('(scheduled_for, id) < (:afterScheduledFor, :afterId)');
    parameters.afterScheduledFor = input.after.scheduledFor;
    parameters.afterId = input.after.id;
  }

  const branches = states.map((state, index) => {
    parameters[`state${index}`] = state;

    return `SELECT * FROM (
      SELECT ${JOB_COLUMNS} FROM ${tables.job} WHERE state = :state${index} ${conditions.map((condition) => `AND ${condition}`).join(' ')}
      ORDER BY scheduled_for DESC, id DESC LIMIT :limit
    )`;
  });

  return connection.all(`${branches.join(' UNION ALL ')} ORDER BY scheduled_for DESC, id DESC LIMIT :limit`, parameters).map(toJob);
};

/** Jobs by task and state (see `JobCounts`): one pass over the jobs of the states counted, and every stored task's name. */
export const countJobs = (connection: SqliteConnection, tables: SqliteSchedulerTables, {states, taskName}: CountJobsInput): JobCounts => {
  const counted = [...new Set(states ?? JOB_STATES)];

  if (counted.length === 0) {
    return {};
  }

  const ofTask = taskName === undefined || taskName === null ? '' : 'AND task_name = :taskName';
  const ofName = taskName === undefined || taskName === null ? '' : 'WHERE name = :taskName';
  const rows = connection.all(`
    SELECT task_name AS name, state, count(*) AS count FROM ${tables.job}
    WHERE state IN (SELECT value FROM json_each(:states)) ${ofTask}
    GROUP BY task_name, state
    UNION ALL
    SELECT name, NULL, 0 FROM ${tables.task} ${ofName}
  `, {states: names(counted), ...taskName === undefined || taskName === null ? {} : {taskName}});
  const counts: Record<string, Record<JobState, number>> = {};

  for (const found of rows) {
    const name = String(found.name);
    const ofThisTask = counts[name] ?? Object.fromEntries(counted.map((state) => [state, 0])) as Record<JobState, number>;

    counts[name] = ofThisTask;

    if (found.state !== null) {
      ofThisTask[found.state as JobState] = Number(found.count);
    }
  }

  return counts;
};

const ended = ({endedBefore, states, taskName}: EndedJobsInput) => ({
  condition: `state IN (SELECT value FROM json_each(:states)) AND ended_at < :endedBefore ${taskName === undefined || taskName === null ? '' : 'AND task_name = :taskName'}`,
  parameters: {endedBefore, states: names(states), ...taskName === undefined || taskName === null ? {} : {taskName}},
});

export const countEndedJobs = (connection: SqliteConnection, tables: SqliteSchedulerTables, input: EndedJobsInput): number => {
  const {condition, parameters} = ended(input);

  return Number(connection.get(`SELECT count(*) AS count FROM ${tables.job} WHERE ${condition}`, parameters)?.count ?? 0);
};

/**
 * One batch of the prune, inside the write lock: the `limit` lowest ids above `afterId` among the
 * ended jobs asked for, deleted with their log lines. The batches walk the primary key from one to
 * the next, so a prune reads the table once in all, whatever its size.
 */
export const pruneJobs = (
  connection: SqliteConnection,
  tables: SqliteSchedulerTables,
  input: EndedJobsInput & {readonly afterId: number; readonly limit: number},
): {readonly deleted: number; readonly lastId: number | null} => {
  const {condition, parameters} = ended(input);
  const ids = connection.all(`SELECT id FROM ${tables.job} WHERE id > :afterId AND ${condition} ORDER BY id LIMIT :limit`, {...parameters, afterId: input.afterId, limit: input.limit}).map((found) => Number(found.id));

  if (ids.length === 0) {
    return {deleted: 0, lastId: null};
  }

  const chosen = {ids: JSON.stringify(ids)};

  connection.run(`DELETE FROM ${tables.log} WHERE job_id IN (SELECT value FROM json_each(:ids))`, chosen);

  return {deleted: connection.run(`DELETE FROM ${tables.job} WHERE id IN (SELECT value FROM json_each(:ids))`, chosen), lastId: ids.at(-1) ?? null};
};
