import {createEmitter} from '../../planton/createEmitter.ts';
import {createErrorReporter} from '../../planton/createErrorReporter.ts';
import {createListenerErrorHook} from '../../planton/createListenerErrorHook.ts';
import {createSystemClock} from '../../planton/createSystemClock.ts';
import {describeValue} from '../../planton/describeValue.ts';
import {Logger} from '../../planton/Logger.ts';
import {serializeUserError} from '../../planton/serializeUserError.ts';
import type {TaskInstruction} from '../../planton/types.ts';
import {ExecutionNotRunningError, InvalidStoreConfigurationError, StoreTerminatedError, StoreUnreachableError} from '../errors.ts';
import {validateTaskDefinition} from '../postgres/validatePostgresStoreConfiguration.ts';
import type {ClaimedExecution, ExecutionReference, StoreEvents} from '../types.ts';
import {applySqliteMigrations} from './applySqliteMigrations.ts';
import {createSqliteClaimExecutions} from './createSqliteClaimExecutions.ts';
import {createSqliteExecutionEnds} from './createSqliteExecutionEnds.ts';
import {createSqliteExecutionRegistry} from './createSqliteExecutionRegistry.ts';
import {createSqliteQueries} from './createSqliteQueries.ts';
import {createSqliteTables} from './createSqliteTables.ts';
import {summarizeSqliteExecutions} from './summarizeSqliteExecutions.ts';
import {startMaintenanceLoops} from '../startMaintenanceLoops.ts';
import {validateSummarizeExecutions} from '../validateSummarizeExecutions.ts';
import {createSqliteWakeUps} from './createSqliteWakeUps.ts';
import {configureSqliteDatabase, openSqliteDatabase} from './openSqliteDatabase.ts';
import {reviveSqliteExecution} from './reviveSqliteExecution.ts';
import {runImmediateTransaction} from './runImmediateTransaction.ts';
import {validateSqliteStoreConfiguration} from './validateSqliteStoreConfiguration.ts';
import type {SqliteClaim, SqliteStore, SqliteStoreConfiguration} from './types.ts';

const log = Logger.child({
  namespace: 'createSqliteStore',
});

/** The store's migrations: migrations/sqlite/store/, recorded in `<tablePrefix>migration`. */
export const SQLITE_STORE_MIGRATIONS = {name: 'store', table: 'migration'} as const;

/**
 * The SQLite store (`node:sqlite`): applies its migrations (migrations/sqlite/store/) under the
 * write lock, claims and records executions in one `BEGIN IMMEDIATE` transaction, completes, fails
 * and heartbeats them, reaps crashed ones, and wakes task loops: at once after a write in this
 * process, and by polling the file's data version for other processes' commits. Every statement is
 * synchronous (see docs/sqlite.md): each is short, and none holds the lock across an await.
 */
export const createSqliteStore = async <Instruction extends TaskInstruction = TaskInstruction>(configuration: SqliteStoreConfiguration): Promise<SqliteStore<Instruction>> => {
  const {busyTimeout, filename, heartbeatInterval, hostname, pollInterval, reaperInterval, tablePrefix} = validateSqliteStoreConfiguration(configuration);
  const clock = configuration.clock ?? createSystemClock();
  const owned = filename !== undefined;
  const database = filename === undefined ? configuration.database as NonNullable<SqliteStoreConfiguration['database']> : openSqliteDatabase({busyTimeout, filename});

  try {
    if (!owned) {
      try {
        configureSqliteDatabase(database);
      } catch (error) {
        throw new StoreUnreachableError(error);
      }
    }

    await applySqliteMigrations({component: SQLITE_STORE_MIGRATIONS, database, tablePrefix});
  } catch (error) {
    if (owned) {
      database.close();
    }

    throw error;
  }

  const tables = createSqliteTables(tablePrefix);
  const queries = createSqliteQueries(database, tables);
  const taskIds = new Map<string, number>();
  const {applyToMany, findExecutionId, forget, getClaimedExecutionId, getClaimedExecutionIds, track} = createSqliteExecutionRegistry<Instruction>(queries);
  const events = createEmitter<StoreEvents<Instruction>>(createListenerErrorHook(log));
  const reportError = createErrorReporter<StoreEvents<Instruction>>({events, log});
  const wakeUps = createSqliteWakeUps<Instruction>({queries, reportError});
  const {end, reap: reapNow} = createSqliteExecutionEnds<Instruction>({clock, database, events, forget, log, queries, wakeTasks: wakeUps.wakeTasks});
  let terminated = false;

  const assertOpen = (operation: string) => {
    if (terminated) {
      throw new StoreTerminatedError(`Cannot ${operation}: the store is terminated.`);
    }
  };

  const getTaskId = (taskName: string): number => {
    const cached = taskIds.get(taskName);

    if (cached !== undefined) {
      return cached;
    }

    const taskId = queries.upsertTask(validateTaskDefinition({name: taskName}), clock.now());

    taskIds.set(taskName, taskId);

    return taskId;
  };

  const endOne = (reference: ExecutionReference<Instruction>, state: 'COMPLETED' | 'FAILED', error: unknown) => {
    assertOpen(state === 'COMPLETED' ? 'complete' : 'fail');

    const executionId = findExecutionId(reference);

    if (executionId === null) {
      throw new ExecutionNotRunningError(reference);
    }

    forget(executionId);

    if (end([{error: state === 'FAILED' ? JSON.stringify(serializeUserError(error)) : null, id: executionId, state}]).length === 0) {
      throw new ExecutionNotRunningError({...reference, executionId});
    }
  };

  const claim = createSqliteClaimExecutions<Instruction>({clock, database, getTaskId, hostname, queries, tables, track});

  const claimExecutions: SqliteStore<Instruction>['claimExecutions'] = async (claimConfiguration) => {
    assertOpen('claim');

    const known = taskIds.has(claimConfiguration.taskName);

    try {
      return claim(claimConfiguration);
    } catch (error) {
      // The rollback took the task's row with it when this claim inserted it: forget its id too.
      if (!known) {
        taskIds.delete(claimConfiguration.taskName);
      }

      throw error;
    }
  };

  const reap = async (): Promise<ReadonlyArray<ClaimedExecution<Instruction>>> => {
    assertOpen('reap');

    return reapNow();
  };

  const stopMaintenance = startMaintenanceLoops<Instruction>({
    beat: () => {
      const executionIds = getClaimedExecutionIds();

      if (executionIds.length > 0) {
        const running = new Set(queries.touch(executionIds, clock.now()));

        for (const executionId of executionIds) {
          if (!running.has(executionId)) {
            forget(executionId);
          }
        }
      }
    },
    clock,
    heartbeatInterval,
    poll: wakeUps.poll,
    pollFailure: 'polling the database file failed',
    pollInterval,
    reap,
    reaperInterval,
    reportError,
  });

  return {
    claimExecutions,
    completeExecution: async (reference) => {
      endOne(reference, 'COMPLETED', null);
    },
    completeExecutions: async (references) => {
      assertOpen('complete');

      return applyToMany(references, (executionIds) => end(executionIds.map((id) => ({error: null, id, state: 'COMPLETED'}))), true);
    },
    createSchedule: (claimFunction: SqliteClaim<Instruction>) => {
      return async ({activeTaskInstructions, concurrency, limit, signal, taskName}) => {
        const executions = await claimExecutions({activeTaskInstructions, claim: claimFunction, concurrency, limit, signal, taskName});

        return executions.map((execution) => execution.instruction);
      };
    },
    database,
    events,
    failExecution: async (reference, error) => {
      endOne(reference, 'FAILED', error);
    },
    failExecutions: async (failures) => {
      assertOpen('fail');

      const errors = new Map(failures.map(({error, reference}) => [reference, JSON.stringify(serializeUserError(error))]));

      return applyToMany(failures.map(({reference}) => reference), (executionIds, byId) => end(executionIds.map((id) => {
        const reference = byId.get(id);

        return {error: (reference === undefined ? undefined : errors.get(reference)) ?? 'null', id, state: 'FAILED'};
      })), true);
    },
    findNotRunning: async (references) => {
      assertOpen('read executions');

      return applyToMany(references, (executionIds) => queries.selectRunningIds(executionIds), false);
    },
    getActiveTaskInstructions: async (taskName) => {
      assertOpen('read active instructions');

      const taskId = taskIds.get(taskName) ?? queries.selectTaskId(taskName);

      return taskId === null ? [] : queries.selectActiveInstructions(taskId) as readonly Instruction[];
    },
    getClaimedExecutionId: ({instruction, taskName}) => getClaimedExecutionId(taskName, instruction),
    getTaskConcurrency: async ({concurrency, taskName}) => {
      assertOpen('read the task');

      const count = queries.selectStoredConcurrency(taskName);

      return count !== null && count > 0 ? count : concurrency;
    },
    heartbeat: async (reference) => {
      assertOpen('heartbeat');

      const executionId = findExecutionId(reference);

      if (executionId === null || queries.touch([executionId], clock.now()).length === 0) {
        if (executionId !== null) {
          forget(executionId);
        }

        throw new ExecutionNotRunningError(executionId === null ? reference : {...reference, executionId});
      }
    },
    heartbeatExecutions: async (references) => {
      assertOpen('heartbeat');

      return applyToMany(references, (executionIds) => queries.touch(executionIds, clock.now()), false);
    },
    listDeadInstructions: async ({limit = 100, taskName} = {}) => {
      assertOpen('list dead instructions');

      if (!Number.isSafeInteger(limit) || limit < 1) {
        throw new InvalidStoreConfigurationError('limit', `Expected \`limit\` to be an integer >= 1, got \`${describeValue(limit)}\`.`);
      }

      return queries.selectDead(limit, taskName ?? null).map((row) => ({...row, instruction: row.instruction as Instruction}));
    },
    notifyTask: async (taskName) => {
      assertOpen('notify');
      // A write (of the task's row, created if need be), so that other connections' polls see the file change.
      getTaskId(taskName);
      queries.notifyTask(taskName, clock.now());
      wakeUps.wakeTasks([taskName], 'NOTIFICATION');
    },
    reap,
    registerTask: async (definition) => {
      assertOpen('register a task');
      taskIds.set(definition.name, queries.upsertTask(validateTaskDefinition(definition), clock.now()));
    },
    retryInstruction: async ({instruction, taskName}) => {
      assertOpen('retry an instruction');

      if (!queries.deleteRetryByName(taskName, instruction)) {
        return false;
      }

      wakeUps.wakeTasks([taskName], 'RETRIED');

      return true;
    },
    reviveExecution: async ({executionId}) => {
      assertOpen('revive an execution');

      if (!Number.isSafeInteger(executionId)) {
        return false;
      }

      const revived = runImmediateTransaction(database, () => reviveSqliteExecution(queries, tables, {executionId, now: clock.now()}));

      if (revived === null) {
        return false;
      }

      track(revived.taskName, revived.instruction, revived.id);

      return true;
    },
    subscribe: async (subscription) => {
      assertOpen('subscribe');

      return wakeUps.subscribe(subscription);
    },
    tablePrefix,
    summarizeExecutions: async (summary) => {
      assertOpen('summarize executions');

      return summarizeSqliteExecutions(database, tables, validateSummarizeExecutions(summary));
    },
    terminate: async () => {
      if (terminated) {
        return;
      }

      terminated = true;
      wakeUps.clear();
      await stopMaintenance();

      if (owned) {
        database.close();
      }
    },
  };
};
