import type {DatabasePool} from 'slonik';
import {InvalidSchedulerConfigurationError, ServerUnreachableError} from '../errors.ts';
import {isConnectionError} from '../isConnectionError.ts';
import type {SchedulerStore} from '../types.ts';
import {applySchedulerMigrations} from './applySchedulerMigrations.ts';
import {createSchedulerTables} from './createSchedulerTables.ts';
import * as queries from './queries.ts';

export type PostgresSchedulerStoreConfiguration = {
  /**
   * Create the scheduler's tables (idempotent, under an advisory lock) before resolving.
   * @default true
   */
  readonly migrate?: boolean;
  /** A slonik pool: on a PostgreSQL server (`createPool`) or on PGlite (`createPglitePool`). */
  readonly pool: DatabasePool;
  /**
   * The PostgreSQL schema holding the scheduler's tables (`scheduled_task`, `scheduled_job`, `scheduled_job_log`).
   * @default 'planton'
   */
  readonly schema?: string;
};

/**
 * The scheduler store on PostgreSQL through slonik; the same code runs on a server and on PGlite.
 * Exactly one job per slot: `scheduled_job` has UNIQUE (task_name, scheduled_for); the jobs of every
 * task's due and upcoming slots are created in one INSERT … ON CONFLICT under an advisory lock per
 * schema (an instance that waits for it then finds the slots created). Claims run under a second
 * advisory lock, so each task's running jobs are counted by one instance at a time, and take rows
 * with FOR UPDATE SKIP LOCKED: one statement for every task of the instance. Errors that say the database cannot be reached reject as `server_unreachable`.
 */
export const createPostgresSchedulerStore = async (configuration: PostgresSchedulerStoreConfiguration): Promise<SchedulerStore> => {
  const {migrate = true, pool, schema = 'planton'} = configuration;

  if (typeof schema !== 'string' || schema === '') {
    throw new InvalidSchedulerConfigurationError('schema', 'a non-empty string', schema);
  }

  const tables = createSchedulerTables(schema);

  const guard = async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation();
    } catch (error) {
      throw isConnectionError(error) ? new ServerUnreachableError(error) : error;
    }
  };

  if (migrate) {
    await guard(async () => {
      await applySchedulerMigrations({pool, schema});
    });
  }

  return {
    cancelJob: async (input) => await guard(async () => await queries.cancelJob(pool, tables, input)),
    claimJobs: async (input) => await guard(async () => {
      if (input.taskNames.length === 0 || input.limit <= 0) {
        return [];
      }

      return await pool.transaction(async (connection) => {
        await queries.lockClaims(connection, tables);

        return await queries.claimDueJobs(connection, tables, input);
      });
    }),
    deleteTask: async ({name, now}) => await guard(async () => await pool.transaction(async (connection) => {
      await queries.discardPendingJobs(connection, tables, {now, taskName: name});

      return await queries.deleteTask(connection, tables, name);
    })),
    finishJobs: async (input) => await guard(async () => {
      const finished = new Map((await queries.finishJobs(pool, tables, input)).map((job) => [job.id, job]));

      return input.map(({id}) => finished.get(id) ?? null);
    }),
    getJob: async (id) => await guard(async () => await queries.selectJob(pool, tables, id)),
    getJobLogs: async (id) => await guard(async () => await queries.selectJobLogs(pool, tables, id)),
    getTask: async (name) => await guard(async () => await queries.selectTask(pool, tables, name)),
    getTaskJobSummaries: async (taskName) => await guard(async () => {
      return {
        lastFailure: await queries.selectLatestJob(pool, tables, {taskName, where: 'FAILURE'}),
        lastJob: await queries.selectLatestJob(pool, tables, {taskName, where: 'ANY'}),
        lastSuccess: await queries.selectLatestJob(pool, tables, {taskName, where: 'SUCCESS'}),
        nextJob: await queries.selectNextJob(pool, tables, taskName),
      };
    }),
    getWakeTimes: async (input) => await guard(async () => await queries.selectWakeTimes(pool, tables, input)),
    listDueJobs: async (input) => await guard(async () => await queries.selectDueJobs(pool, tables, input)),
    listExpiredJobs: async (input) => await guard(async () => await queries.selectExpiredJobs(pool, tables, input)),
    listJobs: async ({taskName}) => await guard(async () => await queries.selectJobs(pool, tables, taskName)),
    listTasks: async () => await guard(async () => await queries.selectTasks(pool, tables)),
    materializeJobs: async ({now, plan, taskNames, until}) => await guard(async () => {
      if (taskNames.length === 0) {
        return [];
      }

      return await pool.transaction(async (connection) => {
        await queries.lockMaterialization(connection, tables);

        const tasks = await queries.selectTasksToMaterialize(connection, tables, {taskNames, until});
        const jobs = [];
        const slots = [];

        for (const task of tasks) {
          const decided = plan(task);

          if (decided.skipped !== null) {
            await queries.cancelSkippedJobs(connection, tables, {now, skipped: decided.skipped, taskName: task.name});
          }

          for (const job of decided.jobs) {
            jobs.push({...job, taskName: task.name});
          }

          slots.push({lastSlot: decided.lastSlot, nextRunAt: decided.nextRunAt, taskName: task.name});
        }

        await queries.insertJobs(connection, tables, {jobs, now});

        return await queries.updateTaskSlots(connection, tables, slots);
      });
    }),
    postponeJob: async (input) => await guard(async () => await queries.postponeJob(pool, tables, input)),
    recordLog: async (input) => await guard(async () => await queries.recordLog(pool, tables, input)),
    releaseJobs: async (input) => await guard(async () => {
      await queries.releaseJobs(pool, tables, input);
    }),
    rescheduleJob: async ({id, runAt}) => await guard(async () => await queries.rescheduleJob(pool, tables, {id, runAt})),
    saveTask: async ({now, task}) => await guard(async () => await pool.transaction(async (connection) => {
      const existing = await queries.selectTask(connection, tables, task.name, 'WAIT');
      const restart = existing !== null && !await queries.isSameSchedule(connection, tables, {name: task.name, schedule: task.schedule});

      if (restart) {
        await queries.discardPendingJobs(connection, tables, {now, taskName: task.name});
      }

      return await queries.upsertTask(connection, tables, {now, restart, task});
    })),
  };
};
