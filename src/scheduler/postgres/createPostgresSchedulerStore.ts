import type {DatabasePool} from 'slonik';
import {InvalidSchedulerConfigurationError} from '../errors.ts';
import type {SchedulerStore} from '../types.ts';
import {applySchedulerMigrations} from './applySchedulerMigrations.ts';
import {createSchedulerTables} from './createSchedulerTables.ts';
import {createStoreGuard} from './createStoreGuard.ts';
import * as queries from './queries/index.ts';

export type PostgresSchedulerStoreConfiguration = {
  /**
   * Apply the scheduler's migrations (migrations/postgres/scheduler/; any number of processes may
   * start at once) before resolving.
   * @default true
   */
  readonly migrate?: boolean;
  /** A slonik pool: on a PostgreSQL server (`createPool`) or on PGlite (`createPglitePool`). */
  readonly pool: DatabasePool;
  /**
   * Milliseconds a store operation (all its statements, and the wait for a pool connection) may take
   * before it rejects with `server_unreachable` (its `cause` a `STORE_TIMEOUT` error): a network that
   * drops packets otherwise hangs the scheduler for ever, and slonik's `statementTimeout` is enforced
   * by the server, which such a network never reaches. The claim and planning transactions also stop
   * waiting for their advisory lock after it on the server (`lock_timeout`). The migration is not
   * bounded. Keep it above the slowest operation you expect, lock waits included: one that is merely
   * slow is reported the same way. `Infinity` waits for ever.
   * @default 30000
   */
  readonly queryTimeout?: number;
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
 * with FOR UPDATE SKIP LOCKED: one statement for every task of the instance. Errors that say the database cannot be reached, and operations without an answer within `queryTimeout`, reject as `server_unreachable`.
 */
export const createPostgresSchedulerStore = async (configuration: PostgresSchedulerStoreConfiguration): Promise<SchedulerStore> => {
  const {migrate = true, pool, queryTimeout = 30_000, schema = 'planton'} = configuration;

  if (typeof schema !== 'string' || schema === '') {
    throw new InvalidSchedulerConfigurationError('schema', 'a non-empty string', schema);
  }

  // setTimeout takes at most 2^31 - 1 ms (a longer delay fires at once).
  if (typeof queryTimeout !== 'number' || !(queryTimeout >= 1 && (queryTimeout <= 2_147_483_647 || queryTimeout === Number.POSITIVE_INFINITY))) {
    throw new InvalidSchedulerConfigurationError('queryTimeout', 'a number of milliseconds from 1 to 2147483647, or Infinity', queryTimeout);
  }

  const tables = createSchedulerTables(schema);
  const guard = createStoreGuard({timeout: queryTimeout});
  /** Lock waits end with the operation's timeout on the server too, freeing their connection. */
  const lockTimeout = Number.isFinite(queryTimeout) ? queryTimeout : null;

  if (migrate) {
    // Not bounded by `queryTimeout`: a migration may rightly take long (an index on a large table),
    // and one reported failed would still run on in the background.
    await createStoreGuard({timeout: Number.POSITIVE_INFINITY})('migrate', async () => {
      await applySchedulerMigrations({pool, schema});
    });
  }

  return {
    cancelJob: async (input) => await guard('cancelJob', async () => await queries.cancelJob(pool, tables, input)),
    claimJobs: async (input) => await guard('claimJobs', async () => {
      if (input.taskNames.length === 0 || input.limit <= 0) {
        return [];
      }

      return await pool.transaction(async (connection) => {
        await queries.lockClaims(connection, tables, lockTimeout);

        return await queries.claimDueJobs(connection, tables, input);
      });
    }, async (late) => {
      // A claim that timed out can still commit once the network heals: its jobs are then RUNNING for
      // this worker, which was told the claim failed and will never start them. They are given back
      // (RUNNING → SCHEDULED or WAITING, attempt − 1, fenced by id and attempt), as at terminate, and
      // the next round of any instance claims them: none is lost, none runs twice (no attempt of
      // theirs started, and a job another instance has taken over meanwhile fails the fence). If the
      // give-back fails as well, or the COMMIT applied but its answer never arrives (the socket
      // died), the jobs stay RUNNING until their lease and `leaseGrace` end; then an instance fails
      // them with `job_timed_out` and retries them as their task says, as after a crash.
      await guard('releaseJobs', async () => {
        await queries.releaseJobs(pool, tables, late.map(({attempt, id}) => ({attempt, id})));
      });
    }),
    deleteTask: async ({name, now}) => await guard('deleteTask', async () => await pool.transaction(async (connection) => {
      await queries.discardPendingJobs(connection, tables, {now, taskName: name});

      return await queries.deleteTask(connection, tables, name);
    })),
    finishJobs: async (input) => await guard('finishJobs', async () => {
      // One that times out may still apply later; fenced by attempt, it ends the attempt once, or
      // loses to the recovery of the expired lease (which is fenced alike), never both.
      const finished = new Map((await queries.finishJobs(pool, tables, input)).map((job) => [job.id, job]));

      return input.map(({id}) => finished.get(id) ?? null);
    }),
    getJob: async (id) => await guard('getJob', async () => await queries.selectJob(pool, tables, id)),
    getJobLogs: async (id) => await guard('getJobLogs', async () => await queries.selectJobLogs(pool, tables, id)),
    getTask: async (name) => await guard('getTask', async () => await queries.selectTask(pool, tables, name)),
    getTaskJobSummaries: async (taskName) => await guard('getTaskJobSummaries', async () => {
      return {
        lastFailure: await queries.selectLatestJob(pool, tables, {taskName, where: 'FAILURE'}),
        lastJob: await queries.selectLatestJob(pool, tables, {taskName, where: 'ANY'}),
        lastSuccess: await queries.selectLatestJob(pool, tables, {taskName, where: 'SUCCESS'}),
        nextJob: await queries.selectNextJob(pool, tables, taskName),
      };
    }),
    getWakeTimes: async (input) => await guard('getWakeTimes', async () => await queries.selectWakeTimes(pool, tables, input)),
    listDueJobs: async (input) => await guard('listDueJobs', async () => await queries.selectDueJobs(pool, tables, input)),
    listExpiredJobs: async (input) => await guard('listExpiredJobs', async () => await queries.selectExpiredJobs(pool, tables, input)),
    listJobs: async ({taskName}) => await guard('listJobs', async () => await queries.selectJobs(pool, tables, taskName)),
    listTasks: async () => await guard('listTasks', async () => await queries.selectTasks(pool, tables)),
    materializeJobs: async ({now, plan, taskNames, until}) => await guard('materializeJobs', async () => {
      if (taskNames.length === 0) {
        return [];
      }

      return await pool.transaction(async (connection) => {
        await queries.lockMaterialization(connection, tables, lockTimeout);

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
    postponeJob: async (input) => await guard('postponeJob', async () => await queries.postponeJob(pool, tables, input)),
    recordLog: async (input) => await guard('recordLog', async () => await queries.recordLog(pool, tables, input)),
    releaseJobs: async (input) => await guard('releaseJobs', async () => {
      await queries.releaseJobs(pool, tables, input);
    }),
    rescheduleJob: async ({id, runAt}) => await guard('rescheduleJob', async () => await queries.rescheduleJob(pool, tables, {id, runAt})),
    saveTask: async ({now, task}) => await guard('saveTask', async () => await pool.transaction(async (connection) => {
      const existing = await queries.selectTask(connection, tables, task.name, 'WAIT');
      const restart = existing !== null && !await queries.isSameSchedule(connection, tables, {name: task.name, schedule: task.schedule});

      if (restart) {
        await queries.discardPendingJobs(connection, tables, {now, taskName: task.name});
      }

      return await queries.upsertTask(connection, tables, {now, restart, task});
    })),
  };
};
