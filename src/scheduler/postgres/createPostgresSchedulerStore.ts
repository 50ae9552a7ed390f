import type {CommonQueryMethods, DatabasePool} from 'slonik';
import {InvalidSchedulerConfigurationError} from '../errors.ts';
import type {SchedulerStore} from '../storeTypes.ts';
import {applySchedulerMigrations} from './applySchedulerMigrations.ts';
import {createSchedulerTables} from './createSchedulerTables.ts';
import {createStoreGuard} from './createStoreGuard.ts';
import * as queries from './queries/index.ts';

/** What becomes of a write that completes after its caller was told it failed; see `bounded`. */
type Late<T> = 'apply' | 'rollBack' | ((value: T) => Promise<void>);

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
   * by the server, which such a network never reaches. Each write's transaction is bounded by it
   * on the server too (`statement_timeout`, `lock_timeout`, `idle_in_transaction_session_timeout`),
   * so a statement blocked there does not hold its pool connection for ever; a read of one statement
   * runs outside a transaction, bounded there by the pool's own `statement_timeout`. The migration is not
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
 * Exactly one job per slot: `scheduled_job` has a unique index on (task_name, scheduled_for) over its
 * `'SLOT'` jobs (one-off jobs, made by `createJob`, stand apart); the jobs of every
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
  /** Statements, lock waits and a silent client end with the operation's timeout on the server too, freeing their connection. */
  const serverTimeout = Number.isFinite(queryTimeout) ? queryTimeout : null;
  /**
   * Runs an operation's statements in one transaction that the server bounds as the store's guard
   * bounds the wait for it (`limitTransaction`): a statement the server would run or block for ever
   * is canceled there, and a transaction whose client was cut off is rolled back. `late` says what
   * becomes of one that completes after its caller was told it failed (it timed out, or `signal`
   * gave it up): `'apply'`, it commits, once (the writes that are fenced); `'rollBack'`, its
   * transaction is rolled back instead of committed when it gets there after it was given up on; a
   * function, it is rolled back too, and if its COMMIT was already on its way (the one window left:
   * a COMMIT sent cannot be called back) and applies, the function undoes what it did.
   */
  const bounded = async <T>(operation: string, run: (connection: CommonQueryMethods) => Promise<T>, late: Late<T> = 'apply', signal?: AbortSignal): Promise<T> => {
    return await guard(operation, async (givenUp) => await pool.transaction(async (connection) => {
      await queries.limitTransaction(connection, serverTimeout);

      const value = await run(connection);

      // Checked just before slonik sends COMMIT, in the same turn of the event loop.
      if (late !== 'apply') {
        givenUp.throwIfAborted();
      }

      return value;
    }), {onLateResult: typeof late === 'function' ? late : undefined, signal});
  };

  /**
   * Runs a read of one statement on the pool, outside a transaction: one round trip instead of four
   * (BEGIN, the bounds, the read, COMMIT). The guard bounds the wait for it as it bounds the others;
   * on the server it is bounded by the pool's own `statement_timeout` (slonik's `statementTimeout`,
   * 60 s by default), not by `queryTimeout` (a bound set within a statement does not apply to that
   * statement). A plain SELECT takes no row locks, and leaves no session idle in a transaction.
   */
  const read = async <T>(operation: string, run: (connection: CommonQueryMethods) => Promise<T>): Promise<T> => {
    return await guard(operation, async () => await run(pool));
  };

  if (migrate) {
    // Not bounded by `queryTimeout`: a migration may rightly take long (an index on a large table),
    // and one reported failed would still run on in the background.
    await createStoreGuard({timeout: Number.POSITIVE_INFINITY})('migrate', async () => {
      await applySchedulerMigrations({pool, schema});
    });
  }

  return {
    cancelJob: async (input) => await bounded('cancelJob', async (connection) => await queries.cancelJob(connection, tables, input), 'rollBack'),
    claimJobs: async ({signal, ...input}) => input.taskNames.length === 0 || input.limit <= 0 ? [] : await bounded('claimJobs', async (connection) => {
      await queries.lockClaims(connection, tables);

      return await queries.claimDueJobs(connection, tables, input);
    }, async (late) => {
      // A claim given up on (timed out, or its caller's signal) rolls back when its answer comes. Only
      // one whose COMMIT was already on its way then may apply: its jobs are RUNNING for this worker,
      // which was told the claim failed and will never start them. They are given back (RUNNING →
      // SCHEDULED or WAITING, attempt − 1, fenced by id and attempt), as at terminate, and the next
      // round of any instance claims them: none is lost, none runs twice (no attempt of theirs
      // started, and a job another instance has taken over meanwhile fails the fence). If the
      // give-back fails as well (the pool has ended), or the COMMIT applied but its answer never
      // arrives (the socket died), the jobs stay RUNNING until their lease and `leaseGrace` end; then
      // an instance fails them with `job_timed_out` and retries them as their task says, as after a crash.
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
      // One that times out may still apply later; fenced by attempt, it ends the attempt once, or
      // loses to the recovery of the expired lease (which is fenced alike), never both.
      const finished = new Map((await queries.finishJobs(connection, tables, input)).map((job) => [job.id, job]));

      return input.map(({id}) => finished.get(id) ?? null);
    }),
    getJob: async (id) => await read('getJob', async (connection) => await queries.selectJob(connection, tables, id)),
    getJobLogs: async (id) => await read('getJobLogs', async (connection) => await queries.selectJobLogs(connection, tables, id)),
    getTask: async (name) => await read('getTask', async (connection) => await queries.selectTask(connection, tables, name)),
    // One statement (one snapshot): no transaction needed, one round trip per task.
    getTaskJobSummaries: async (taskName) => await read('getTaskJobSummaries', async (connection) => await queries.selectTaskJobSummaries(connection, tables, taskName)),
    getWakeTimes: async (input) => await read('getWakeTimes', async (connection) => await queries.selectWakeTimes(connection, tables, input)),
    listDueJobs: async (input) => await read('listDueJobs', async (connection) => await queries.selectDueJobs(connection, tables, input)),
    listExpiredJobs: async (input) => await read('listExpiredJobs', async (connection) => await queries.selectExpiredJobs(connection, tables, input)),
    listJobs: async (input) => await read('listJobs', async (connection) => await queries.selectJobPage(connection, tables, input)),
    listTasks: async () => await read('listTasks', async (connection) => await queries.selectTasks(connection, tables)),
    materializeJobs: async ({now, plan, taskNames, until}) => taskNames.length === 0 ? [] : await bounded('materializeJobs', async (connection) => {
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
      const restart = existing !== null && !await queries.isSameSchedule(connection, tables, {name: task.name, schedule: task.schedule});

      if (restart) {
        await queries.discardPendingJobs(connection, tables, {now, slotsOnly: true, taskName: task.name});
      }

      return await queries.upsertTask(connection, tables, {now, restart, task});
    }, 'rollBack'),
    setTaskPaused: async (input) => await bounded('setTaskPaused', async (connection) => await queries.setTaskPaused(connection, tables, input), 'rollBack'),
    summarizeJobs: async (input) => await read('summarizeJobs', async (connection) => await queries.summarizeJobs(connection, tables, input)),
  };
};
