import type {Pool, PoolConnection} from 'mysql2/promise';
import {isMysqlConnectionError} from '../../adapters/mysql/isMysqlConnectionError.ts';
import {InvalidSchedulerConfigurationError} from '../errors.ts';
import {createStoreGuard} from '../postgres/createStoreGuard.ts';
import type {SchedulerStore} from '../storeTypes.ts';
import {applyMysqlSchedulerMigrations} from './applyMysqlSchedulerMigrations.ts';
import {createMysqlSchedulerTables} from './createMysqlSchedulerTables.ts';
import {createMysqlTransactionRunner} from './createMysqlTransactionRunner.ts';
import * as queries from './queries/index.ts';

/** What becomes of a write that completes after its caller was told it failed; see `bounded`. */
type Late<T> = 'apply' | 'rollBack' | ((value: T) => Promise<void>);

export type MysqlSchedulerStoreConfiguration = {
  /**
   * The database holding the scheduler's tables, created if missing (letters, digits, `_`, `$`).
   * @default null: the pool's current database (the one in its URL)
   */
  readonly database?: string | null;
  /**
   * Apply the scheduler's migrations (migrations/mysql/scheduler/, under GET_LOCK; any number of
   * processes may start at once) before resolving.
   * @default true
   */
  readonly migrate?: boolean;
  /** A mysql2/promise pool (`createPool`) on MySQL 8 or MariaDB 10.6 or newer; the store never ends it. */
  readonly pool: Pool;
  /**
   * Milliseconds a store operation (all its statements, and the wait for a pool connection) may take
   * before it rejects with `server_unreachable` (its `cause` a `STORE_TIMEOUT` error): a network that
   * drops packets otherwise hangs the scheduler for ever. On the server, a statement waiting for a
   * row lock gives up after as long (the session's `innodb_lock_wait_timeout`, in whole seconds). The
   * migration is not bounded. `Infinity` waits for ever.
   * @default 30000
   */
  readonly queryTimeout?: number;
  /**
   * Put before each table name (`scheduled_task`, `scheduled_job`, `scheduled_job_log`,
   * `scheduler_lock`, `scheduler_migration`): letters, digits, `_`, `$`, at most 45 characters.
   * @default 'planton_'
   */
  readonly tablePrefix?: string;
};

/**
 * The scheduler store on MySQL 8 or MariaDB 10.6+ through mysql2. Exactly one job per slot: the job
 * table has a unique key on (task_name, slot_for), slot_for being scheduled_for of the `'SLOT'` jobs
 * (one-off jobs, made by `createJob`, stand apart), and the jobs of every task's due and upcoming
 * slots are created in one INSERT … ON DUPLICATE KEY UPDATE while holding the `materialize` lock row
 * (an instance that waits for it then finds the slots created). Claims hold the `claim` lock row,
 * so each task's running jobs are counted by one instance at a time, and take jobs with FOR UPDATE
 * SKIP LOCKED. No UPDATE … RETURNING on these servers: a change locks its rows, updates them by id
 * and reads them back, in one transaction. Errors that say the server cannot be reached, and
 * operations without an answer within `queryTimeout`, reject as `server_unreachable`.
 */
export const createMysqlSchedulerStore = async (configuration: MysqlSchedulerStoreConfiguration): Promise<SchedulerStore> => {
  const {database = null, migrate = true, pool, queryTimeout = 30_000, tablePrefix = 'planton_'} = configuration;

  if (typeof pool !== 'object' || pool === null || typeof pool.getConnection !== 'function') {
    throw new InvalidSchedulerConfigurationError('pool', 'a mysql2/promise pool', pool);
  }

  // setTimeout takes at most 2^31 - 1 ms (a longer delay fires at once).
  if (typeof queryTimeout !== 'number' || !(queryTimeout >= 1 && (queryTimeout <= 2_147_483_647 || queryTimeout === Number.POSITIVE_INFINITY))) {
    throw new InvalidSchedulerConfigurationError('queryTimeout', 'a number of milliseconds from 1 to 2147483647, or Infinity', queryTimeout);
  }

  const tables = createMysqlSchedulerTables({database, prefix: tablePrefix});
  const guard = createStoreGuard({isConnectionError: isMysqlConnectionError, timeout: queryTimeout});
  const transaction = createMysqlTransactionRunner({
    lockWaitTimeout: Number.isFinite(queryTimeout) ? Math.max(1, Math.ceil(queryTimeout / 1_000)) : null,
    pool,
  });

  /**
   * Runs an operation's statements in one transaction. `late` says what becomes of one that
   * completes after its caller was told it failed (it timed out, or `signal` gave it up): `'apply'`,
   * it commits, once (the writes that are fenced); `'rollBack'`, it is rolled back instead of
   * committed when it gets there after it was given up on; a function, it is rolled back too, and if
   * its COMMIT was already on its way (a COMMIT sent cannot be called back) and applies, the function
   * undoes what it did.
   */
  const bounded = async <T>(operation: string, run: (connection: PoolConnection) => Promise<T>, late: Late<T> = 'apply', signal?: AbortSignal): Promise<T> => {
    return await guard(operation, async (givenUp) => await transaction(run, () => {
      if (late !== 'apply') {
        givenUp.throwIfAborted();
      }
    }), {onLateResult: typeof late === 'function' ? late : undefined, signal});
  };

  /** A read of one statement on the pool, outside a transaction (autocommit: its own snapshot, no row locks). */
  const read = async <T>(operation: string, run: (connection: Pool) => Promise<T>): Promise<T> => {
    return await guard(operation, async () => await run(pool));
  };

  if (migrate) {
    // Not bounded by `queryTimeout`: a migration may rightly take long (an index on a large table).
    await createStoreGuard({isConnectionError: isMysqlConnectionError, timeout: Number.POSITIVE_INFINITY})('migrate', async () => {
      await applyMysqlSchedulerMigrations({database, pool, tablePrefix});
    });
  }

  return {
    cancelJob: async (input) => await bounded('cancelJob', async (connection) => await queries.cancelJob(connection, tables, input), 'rollBack'),
    claimJobs: async ({signal, ...input}) => input.taskNames.length === 0 || input.limit <= 0 ? [] : await bounded('claimJobs', async (connection) => {
      await queries.lockClaims(connection, tables);

      return await queries.claimDueJobs(connection, tables, input);
    }, async (late) => {
      // A claim given up on whose COMMIT was already on its way: its jobs are RUNNING for a worker
      // that was told the claim failed. They are given back (fenced by id and attempt), as on
      // PostgreSQL; if that fails too, their lease ends and an instance recovers them.
      await bounded('releaseJobs', async (connection) => {
        await queries.releaseJobs(connection, tables, late.map(({attempt, id}) => ({attempt, id})));
      });
    }, signal),
    countEndedJobs: async (input) => input.states.length === 0 ? 0 : await read('countEndedJobs', async (connection) => await queries.countEndedJobs(connection, tables, input)),
    countJobs: async (input) => await read('countJobs', async (connection) => await queries.countJobs(connection, tables, input)),
    createJob: async (input) => await bounded('createJob', async (connection) => await queries.insertOneOffJob(connection, tables, input), 'rollBack'),
    deleteTask: async ({name, now}) => await bounded('deleteTask', async (connection) => {
      await queries.discardPendingJobs(connection, tables, {now, slotsOnly: false, taskName: name});

      return await queries.deleteTask(connection, tables, name);
    }, 'rollBack'),
    finishJobs: async (input) => await bounded('finishJobs', async (connection) => {
      // Fenced by attempt (and lease): ends the attempt once, or loses to the recovery of the expired lease, never both.
      const finished = new Map((await queries.finishJobs(connection, tables, input)).map((job) => [job.id, job]));

      return input.map(({id}) => finished.get(id) ?? null);
    }),
    getJob: async (id) => await read('getJob', async (connection) => await queries.selectJob(connection, tables, id)),
    getJobLogs: async (id) => await read('getJobLogs', async (connection) => await queries.selectJobLogs(connection, tables, id)),
    getTask: async (name) => await read('getTask', async (connection) => await queries.selectTask(connection, tables, name)),
    getTaskJobSummaries: async (taskName) => await bounded('getTaskJobSummaries', async (connection) => {
      return {
        lastFailure: await queries.selectLatestJob(connection, tables, {taskName, where: 'FAILURE'}),
        lastJob: await queries.selectLatestJob(connection, tables, {taskName, where: 'ANY'}),
        lastSuccess: await queries.selectLatestJob(connection, tables, {taskName, where: 'SUCCESS'}),
        nextJob: await queries.selectNextJob(connection, tables, taskName),
      };
    }),
    getWakeTimes: async (input) => await read('getWakeTimes', async (connection) => await queries.selectWakeTimes(connection, tables, input)),
    listDueJobs: async (input) => await read('listDueJobs', async (connection) => await queries.selectDueJobs(connection, tables, input)),
    listExpiredJobs: async (input) => await read('listExpiredJobs', async (connection) => await queries.selectExpiredJobs(connection, tables, input)),
    listJobs: async (input) => await read('listJobs', async (connection) => await queries.selectJobPage(connection, tables, input)),
    listTasks: async () => await read('listTasks', async (connection) => await queries.selectTasks(connection, tables)),
    materializeJobs: async ({now, plan, taskNames, until}) => taskNames.length === 0 ? [] : await bounded('materializeJobs', async (connection) => {
      await queries.lockMaterialization(connection, tables);

      const tasks = await queries.selectTasksToMaterialize(connection, tables, {taskNames, until});
      const payloads = await queries.selectTaskPayloads(connection, tables, tasks.map((task) => task.name));
      const jobs = [];
      const slots = [];

      for (const task of tasks) {
        const decided = plan(task);

        if (decided.skipped !== null) {
          await queries.cancelSkippedJobs(connection, tables, {now, skipped: decided.skipped, taskName: task.name});
        }

        for (const job of decided.jobs) {
          jobs.push({...job, payload: payloads.get(task.name) ?? null, taskName: task.name});
        }

        slots.push({lastSlot: decided.lastSlot, nextRunAt: decided.nextRunAt, taskName: task.name});
      }

      await queries.insertJobs(connection, tables, {jobs, now});

      return await queries.updateTaskSlots(connection, tables, slots);
    }),
    postponeJob: async (input) => await bounded('postponeJob', async (connection) => await queries.postponeJob(connection, tables, input)),
    pruneJobs: async (input) => input.states.length === 0 ? {deleted: 0, lastId: null} : await bounded('pruneJobs', async (connection) => await queries.pruneJobs(connection, tables, input), 'rollBack'),
    recordLog: async (input) => await bounded('recordLog', async (connection) => await queries.recordLog(connection, tables, input)),
    releaseJobs: async (input) => await bounded('releaseJobs', async (connection) => {
      await queries.releaseJobs(connection, tables, input);
    }),
    retryJob: async (input) => await bounded('retryJob', async (connection) => await queries.retryJob(connection, tables, input), 'rollBack'),
    rescheduleJob: async ({id, runAt}) => await bounded('rescheduleJob', async (connection) => await queries.rescheduleJob(connection, tables, {id, runAt}), 'rollBack'),
    saveTask: async ({now, task}) => await bounded('saveTask', async (connection) => {
      const existing = await queries.selectTask(connection, tables, task.name, 'WAIT');
      const restart = existing !== null && !queries.isSameSchedule(existing, task);

      if (restart) {
        await queries.discardPendingJobs(connection, tables, {now, slotsOnly: true, taskName: task.name});
      }

      return await queries.upsertTask(connection, tables, {now, restart, task});
    }, 'rollBack'),
    setTaskPaused: async (input) => await bounded('setTaskPaused', async (connection) => await queries.setTaskPaused(connection, tables, input), 'rollBack'),
    summarizeJobs: async (input) => await read('summarizeJobs', async (connection) => await queries.summarizeJobs(connection, tables, input)),
  };
};
