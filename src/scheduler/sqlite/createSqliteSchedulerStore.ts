import type {DatabaseSync} from 'node:sqlite';
import {loadSqlite} from '../../adapters/sqlite/loadSqlite.ts';
import {configureSqliteDatabase} from '../../adapters/sqlite/openSqliteDatabase.ts';
import {runImmediateTransaction} from '../../adapters/sqlite/runImmediateTransaction.ts';
import {InvalidSchedulerConfigurationError, ServerUnreachableError} from '../errors.ts';
import type {SchedulerStore} from '../storeTypes.ts';
import {applySqliteSchedulerMigrations} from './applySqliteSchedulerMigrations.ts';
import {createSqliteSchedulerTables} from './createSqliteSchedulerTables.ts';
import {isSqliteUnreachableError} from './isSqliteUnreachableError.ts';
import {createSqliteConnection, type SqliteConnection} from './queries/connection.ts';
import * as queries from './queries/index.ts';
import {isSameStoredSchedule} from './queries/rows.ts';

export type SqliteSchedulerStoreConfiguration = {
  /**
   * Milliseconds a write waits for SQLite's write lock while another connection (another process, or
   * another handle in this one) holds it, before it rejects with `server_unreachable` (the driver's
   * `database is locked` as `cause`). Set on the connection the store opens; on a `database` you give,
   * only when given here.
   * @default 5000
   */
  readonly busyTimeout?: number;
  /**
   * An open `node:sqlite` connection to use (the caller keeps it, and closes it after the store):
   * the store switches its file to WAL and `synchronous = NORMAL` and turns foreign keys on. Give
   * either this or `filename`.
   */
  readonly database?: DatabaseSync;
  /**
   * The database file, created if missing, which the store opens (WAL, `synchronous = NORMAL`, the
   * busy timeout) and `close()` closes. Any number of processes may share it. Give either this or `database`.
   */
  readonly filename?: string;
  /**
   * Apply the scheduler's migrations (migrations/sqlite/scheduler/; any number of processes may
   * start at once) before resolving.
   * @default true
   */
  readonly migrate?: boolean;
  /**
   * Put before the scheduler's table names (`scheduled_task`, `scheduled_job`, `scheduled_job_log`,
   * `scheduler_migration`), so several stores share one file: a letter or underscore, then at most 40
   * letters, digits or underscores.
   * @default 'planton_'
   */
  readonly tablePrefix?: string;
};

/** The SQLite scheduler store: the `SchedulerStore` contract, and `close()`. */
export type SqliteSchedulerStore = SchedulerStore & {
  /** Closes the connection the store opened from `filename` (a `database` given stays open); later operations reject with `server_unreachable`. */
  readonly close: () => Promise<void>;
};

const TABLE_PREFIX = /^[A-Za-z_]\w{0,40}$/u;

const validate = (configuration: SqliteSchedulerStoreConfiguration): void => {
  const {busyTimeout, database, filename, migrate, tablePrefix} = configuration;

  if ((database === undefined) === (filename === undefined)) {
    throw new InvalidSchedulerConfigurationError('filename', 'given, or `database`, but not both', filename);
  }

  if (database !== undefined && !(database instanceof loadSqlite().DatabaseSync)) {
    throw new InvalidSchedulerConfigurationError('database', 'a DatabaseSync of node:sqlite', database);
  }

  if (filename !== undefined && (typeof filename !== 'string' || filename === '')) {
    throw new InvalidSchedulerConfigurationError('filename', 'a non-empty string', filename);
  }

  if (busyTimeout !== undefined && (typeof busyTimeout !== 'number' || !Number.isInteger(busyTimeout) || busyTimeout < 0 || busyTimeout > 2_147_483_647)) {
    throw new InvalidSchedulerConfigurationError('busyTimeout', 'an integer number of milliseconds from 0 to 2147483647', busyTimeout);
  }

  if (tablePrefix !== undefined && (typeof tablePrefix !== 'string' || !TABLE_PREFIX.test(tablePrefix))) {
    throw new InvalidSchedulerConfigurationError('tablePrefix', 'a letter or underscore followed by at most 40 letters, digits or underscores', tablePrefix);
  }

  if (migrate !== undefined && typeof migrate !== 'boolean') {
    throw new InvalidSchedulerConfigurationError('migrate', 'a boolean', migrate);
  }
};

/** Runs `work` now; an error that says the file cannot be used rejects as `server_unreachable` with it as `cause`. */
const guarded = async <T>(work: () => T | Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    throw isSqliteUnreachableError(error) ? new ServerUnreachableError(error) : error;
  }
};

/**
 * The scheduler store on SQLite through `node:sqlite`, on a file that several processes may share.
 * Every write runs in one `BEGIN IMMEDIATE` transaction: SQLite's write lock, held by one connection
 * of any process at a time, is what PostgreSQL's advisory locks and row locks are to its store. So a
 * claim counts each task's running jobs and takes its jobs with no other writer in between
 * (concurrency holds across instances), and the planning of slots finds the jobs another instance
 * created; the unique index over (task_name, scheduled_for) of the `'SLOT'` jobs makes each slot one
 * job whatever happens. Readers never wait (WAL). The driver is synchronous: each operation runs to
 * its end in one turn of the event loop, and never holds the lock across an `await`. A file that
 * cannot be opened, a connection closed, and a write lock not had within `busyTimeout` reject with
 * `server_unreachable` and the driver's error as `cause`.
 */
export const createSqliteSchedulerStore = async (configuration: SqliteSchedulerStoreConfiguration): Promise<SqliteSchedulerStore> => {
  validate(configuration);

  const {busyTimeout, filename, migrate = true, tablePrefix = 'planton_'} = configuration;
  const owned = configuration.database === undefined;
  const database = await guarded(() => {
    let opened: DatabaseSync | undefined;

    try {
      opened = configuration.database ?? new (loadSqlite().DatabaseSync)(filename ?? '', {enableForeignKeyConstraints: true, timeout: busyTimeout ?? 5_000});

      if (!owned && busyTimeout !== undefined) {
        opened.exec(`PRAGMA busy_timeout = ${busyTimeout}`);
      }

      configureSqliteDatabase(opened);

      return opened;
    } catch (error) {
      if (owned && opened?.isOpen === true) {
        opened.close();
      }

      throw error;
    }
  });

  if (migrate) {
    try {
      await guarded(async () => {
        await applySqliteSchedulerMigrations({database, tablePrefix});
      });
    } catch (error) {
      if (owned) {
        database.close();
      }

      throw error;
    }
  }

  const tables = createSqliteSchedulerTables(tablePrefix);
  const connection = createSqliteConnection(database);

  /** One operation's statements in one `BEGIN IMMEDIATE` transaction, rolled back if any fails. */
  const write = async <T>(work: (inside: SqliteConnection) => T): Promise<T> => await guarded(() => runImmediateTransaction(database, () => work(connection)));

  /** A read of one statement: its own snapshot, no lock taken (WAL). */
  const read = async <T>(work: (inside: SqliteConnection) => T): Promise<T> => await guarded(() => work(connection));

  /** Reads of several statements in one deferred transaction: one snapshot for all, no write lock taken (WAL). */
  const readTogether = async <T>(work: (inside: SqliteConnection) => T): Promise<T> => await guarded(() => {
    database.exec('BEGIN');

    try {
      return work(connection);
    } finally {
      database.exec('COMMIT');
    }
  });

  return {
    cancelJob: async (input) => await write((inside) => queries.cancelJob(inside, tables, input)),
    claimJobs: async ({signal, ...input}) => {
      // Synchronous from here to COMMIT: a signal cannot abort a claim on its way, so none is ever given back late.
      signal?.throwIfAborted();

      return input.taskNames.length === 0 || input.limit <= 0 ? [] : await write((inside) => queries.claimDueJobs(inside, tables, input));
    },
    close: async () => {
      if (owned && database.isOpen) {
        database.close();
      }
    },
    countEndedJobs: async (input) => input.states.length === 0 ? 0 : await read((inside) => queries.countEndedJobs(inside, tables, input)),
    countJobs: async (input) => await read((inside) => queries.countJobs(inside, tables, input)),
    createJob: async (input) => await write((inside) => queries.insertOneOffJob(inside, tables, input)),
    deleteTask: async ({name, now}) => await write((inside) => {
      queries.discardPendingJobs(inside, tables, {now, slotsOnly: false, taskName: name});

      return queries.deleteTask(inside, tables, name);
    }),
    finishJobs: async (input) => input.length === 0 ? [] : await write((inside) => queries.finishJobs(inside, tables, input)),
    getJob: async (id) => await read((inside) => queries.selectJob(inside, tables, id)),
    getJobLogs: async (id) => await read((inside) => queries.selectJobLogs(inside, tables, id)),
    getTask: async (name) => await read((inside) => queries.selectTask(inside, tables, name)),
    getTaskJobSummaries: async (taskName) => await readTogether((inside) => ({
      lastFailure: queries.selectLatestJob(inside, tables, {taskName, where: 'FAILURE'}),
      lastJob: queries.selectLatestJob(inside, tables, {taskName, where: 'ANY'}),
      lastSuccess: queries.selectLatestJob(inside, tables, {taskName, where: 'SUCCESS'}),
      nextJob: queries.selectNextJob(inside, tables, taskName),
    })),
    getWakeTimes: async (input) => await read((inside) => queries.selectWakeTimes(inside, tables, input)),
    listDueJobs: async (input) => await read((inside) => queries.selectDueJobs(inside, tables, input)),
    listExpiredJobs: async (input) => await read((inside) => queries.selectExpiredJobs(inside, tables, input)),
    listJobs: async (input) => await read((inside) => queries.selectJobPage(inside, tables, input)),
    listTasks: async () => await read((inside) => queries.selectTasks(inside, tables)),
    materializeJobs: async ({now, plan, taskNames, until}) => taskNames.length === 0 ? [] : await write((inside) => {
      const tasks = queries.selectTasksToMaterialize(inside, tables, {taskNames, until});
      const jobs = [];
      const slots = [];

      for (const task of tasks) {
        const decided = plan(task);

        if (decided.skipped !== null) {
          queries.cancelSkippedJobs(inside, tables, {now, skipped: decided.skipped, taskName: task.name});
        }

        for (const job of decided.jobs) {
          jobs.push({...job, taskName: task.name});
        }

        slots.push({lastSlot: decided.lastSlot, nextRunAt: decided.nextRunAt, taskName: task.name});
      }

      queries.insertJobs(inside, tables, {jobs, now});

      return queries.updateTaskSlots(inside, tables, slots);
    }),
    postponeJob: async (input) => await write((inside) => queries.postponeJob(inside, tables, input)),
    pruneJobs: async (input) => input.states.length === 0 ? {deleted: 0, lastId: null} : await write((inside) => queries.pruneJobs(inside, tables, input)),
    recordLog: async (input) => await write((inside) => queries.recordLog(inside, tables, input)),
    releaseJobs: async (input) => {
      if (input.length > 0) {
        await write((inside) => {
          queries.releaseJobs(inside, tables, input);
        });
      }
    },
    retryJob: async (input) => await write((inside) => queries.retryJob(inside, tables, input)),
    rescheduleJob: async ({id, runAt}) => await write((inside) => queries.rescheduleJob(inside, tables, {id, runAt})),
    saveTask: async ({now, task}) => await write((inside) => {
      const existing = queries.selectTaskRow(inside, tables, task.name);
      const restart = existing !== undefined && !isSameStoredSchedule(existing.schedule, task.schedule);

      if (restart) {
        queries.discardPendingJobs(inside, tables, {now, slotsOnly: true, taskName: task.name});
      }

      return queries.upsertTask(inside, tables, {now, restart, task});
    }),
    setTaskPaused: async (input) => await write((inside) => queries.setTaskPaused(inside, tables, input)),
    summarizeJobs: async (input) => await read((inside) => queries.summarizeJobs(inside, tables, input)),
  };
};
