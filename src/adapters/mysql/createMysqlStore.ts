import type {PoolConnection} from 'mysql2/promise';
import {createEmitter} from '../../planton/createEmitter.ts';
import {createErrorReporter} from '../../planton/createErrorReporter.ts';
import {createListenerErrorHook} from '../../planton/createListenerErrorHook.ts';
import {createSystemClock} from '../../planton/createSystemClock.ts';
import {describeValue} from '../../planton/describeValue.ts';
import {Logger} from '../../planton/Logger.ts';
import {serializeUserError} from '../../planton/serializeUserError.ts';
import type {TaskInstruction} from '../../planton/types.ts';
import {createExecutionTracker} from '../postgres/createExecutionTracker.ts';
import {validateTaskDefinition} from '../postgres/validatePostgresStoreConfiguration.ts';
import {
  ExecutionNotRunningError,
  InvalidStoreConfigurationError,
  StoreTerminatedError,
} from '../errors.ts';
import {asStoreError} from '../asStoreError.ts';
import type {DeadInstruction, ExecutionReference, StoreEvents} from '../types.ts';
import {createMysqlClaimExecutions} from './createMysqlClaimExecutions.ts';
import {createMysqlClaimRecovery} from './createMysqlClaimRecovery.ts';
import {createMysqlExecutionResolver} from './createMysqlExecutionResolver.ts';
import {createMysqlSubscriptions} from './createMysqlSubscriptions.ts';
import {createMysqlMaintenance} from './createMysqlMaintenance.ts';
import {createMysqlTables} from './createMysqlTables.ts';
import {isMysqlConnectionError} from './isMysqlConnectionError.ts';
import {supportsInsertReturning} from './supportsInsertReturning.ts';
import {migrateMysqlStore} from './migrateMysqlStore.ts';
import {reviveReleasedExecution} from './reviveReleasedExecution.ts';
import {
  deleteInstructionRetry,
  type EndedExecution,
  endExecutions,
  selectActiveInstructions,
  selectActiveInstructionsByName,
  selectDeadInstructions,
  selectMaximumConcurrentExecutionCount,
  selectRunningExecutionIds,
  touchExecutions,
  upsertTask,
} from './queries/index.ts';
import type {MysqlClaim, MysqlQueryable, MysqlStore, MysqlStoreConfiguration} from './types.ts';
import {validateMysqlStoreConfiguration} from './validateMysqlStoreConfiguration.ts';
import {withMysqlTransaction} from './withMysqlTransaction.ts';

const log = Logger.child({
  namespace: 'createMysqlStore',
});

/** How long terminate() gives the one statement that ends what lost claim replies left undispatched. */
const ABANDON_TIMEOUT = 5_000;

/**
 * The MySQL/MariaDB store (MySQL 8, MariaDB 10.6+): applies its migrations (migrations/mysql/store/)
 * under GET_LOCK into its database with its table prefix, claims and records executions in one
 * transaction (the user's claim with `FOR UPDATE SKIP LOCKED`; the task's row locked for the
 * concurrency across processes), completes/fails/heartbeats them, reaps crashed ones. No
 * LISTEN/NOTIFY: writes through the store wake this process's subscribers, and every subscriber is
 * woken each `pollInterval`. Given a mysql2/promise pool it does not own.
 */
export const createMysqlStore = async <Instruction extends TaskInstruction = TaskInstruction>(configuration: MysqlStoreConfiguration): Promise<MysqlStore<Instruction>> => {
  const {database: configuredDatabase, heartbeatInterval, hostname, pollInterval, pool, reaperInterval, tablePrefix} = validateMysqlStoreConfiguration(configuration);
  const clock = configuration.clock ?? createSystemClock();
  const database = await migrateMysqlStore({database: configuredDatabase, pool, tablePrefix});
  const returning = await supportsInsertReturning(pool);
  const tables = createMysqlTables({database, tablePrefix});
  const taskIds = new Map<string, number>();
  const tracker = createExecutionTracker<Instruction>({activeFromMemory: false});
  let terminated = false;

  const events = createEmitter<StoreEvents<Instruction>>(createListenerErrorHook(log));
  const reportError = createErrorReporter<StoreEvents<Instruction>>({events, log});

  /** Emits `dead` for the failed attempts that made their instruction dead (this process's ends only). */
  const reportDead = (ended: readonly EndedExecution[]) => {
    const instructions: Array<DeadInstruction<Instruction>> = ended.flatMap((row) => row.dead === true && row.attempts !== null && row.taskName !== null ? [{
      attempts: row.attempts,
      error: row.error,
      executionId: row.id,
      instruction: row.instruction as Instruction,
      taskName: row.taskName,
    }] : []);

    if (instructions.length > 0) {
      log.warn({instructions: instructions.map(({attempts, executionId, instruction, taskName}) => ({attempts, executionId, instruction, taskName}))}, 'instructions failed their last attempt; they are dead until revived');
      events.emit('dead', {instructions});
    }
  };

  const subscriptions = createMysqlSubscriptions<Instruction>({reportError});
  const {wakeTasks} = subscriptions;

  const getTaskId = async (taskName: string): Promise<number> => {
    const cached = taskIds.get(taskName);

    if (cached !== undefined) {
      return cached;
    }

    const taskId = await upsertTask(pool, tables, validateTaskDefinition({name: taskName}));

    taskIds.set(taskName, taskId);

    return taskId;
  };

  const {applyToMany, resolveExecutionId} = createMysqlExecutionResolver<Instruction>({connection: pool, tables, tracker});

  /** Ends executions in the caller's transaction (`connection`) or in one of the store's own. */
  const endInTransaction = async (connection: PoolConnection | null, work: (connection: MysqlQueryable) => Promise<readonly EndedExecution[]>) => {
    const ended = connection === null ? await withMysqlTransaction(pool, work) : await work(connection);

    reportDead(ended);

    return ended;
  };

  const end = async (reference: ExecutionReference<Instruction>, state: 'COMPLETED' | 'FAILED', error: string | null, connection: PoolConnection | null) => {
    const executionId = await resolveExecutionId(reference);

    if (!('executionId' in reference)) {
      tracker.removeFromView(reference.taskName, reference.instruction);
    }

    if (executionId === null) {
      throw new ExecutionNotRunningError(reference);
    }

    let ended: readonly EndedExecution[];

    try {
      ended = await endInTransaction(connection, async (transaction) => await endExecutions(transaction, tables, {ends: [{error, id: executionId}], now: clock.now(), state}));
    } finally {
      tracker.forget(executionId);
    }

    if (ended.length === 0) {
      throw new ExecutionNotRunningError({...reference, executionId});
    }
  };

  const recovery = createMysqlClaimRecovery<Instruction>({clock, connection: pool, tables, tracker});
  const claim = createMysqlClaimExecutions<Instruction>({
    clock,
    getTaskId,
    hostname,
    pool,
    recovery,
    returning,
    tables,
    track: ({executionId, instruction, taskName}) => {
      tracker.track(taskName, instruction, executionId);
    },
  });

  const claimExecutions: MysqlStore<Instruction>['claimExecutions'] = async (claimConfiguration) => {
    if (terminated) {
      throw new StoreTerminatedError('Cannot claim: the store is terminated.');
    }

    try {
      return await claim(claimConfiguration);
    } catch (error) {
      throw asStoreError(error, isMysqlConnectionError);
    }
  };

  const maintenance = createMysqlMaintenance<Instruction>({
    clock,
    events,
    heartbeatInterval,
    pollInterval,
    pool,
    reaperInterval,
    reportDead,
    reportError,
    tables,
    tracker,
    wakeAll: subscriptions.wakeAll,
    wakeTasks,
  });

  return {
    claimExecutions,
    completeExecution: async (reference: ExecutionReference<Instruction>, options: {readonly connection?: PoolConnection} = {}) => {
      await end(reference, 'COMPLETED', null, options.connection ?? null);
    },
    completeExecutions: async (references) => {
      return await applyToMany(references, async (executionIds) => {
        const ended = await endInTransaction(null, async (connection) => await endExecutions(connection, tables, {ends: executionIds.map((id) => ({error: null, id})), now: clock.now(), state: 'COMPLETED'}));

        return ended.map((row) => row.id);
      }, true);
    },
    createSchedule: (claimFunction: MysqlClaim<Instruction>) => {
      return async ({activeTaskInstructions, concurrency, limit, signal, taskName}) => {
        const executions = await claimExecutions({activeTaskInstructions, claim: claimFunction, concurrency, limit, signal, taskName});

        return executions.map((execution) => execution.instruction);
      };
    },
    database,
    events,
    failExecution: async (reference, error) => {
      await end(reference, 'FAILED', JSON.stringify(serializeUserError(error)), null);
    },
    failExecutions: async (failures) => {
      const errors = new Map(failures.map(({error, reference}) => [reference, JSON.stringify(serializeUserError(error))]));

      return await applyToMany(failures.map(({reference}) => reference), async (executionIds, references) => {
        const ended = await endInTransaction(null, async (connection) => await endExecutions(connection, tables, {
          ends: executionIds.map((id) => ({error: errors.get(references.get(id) as ExecutionReference<Instruction>) ?? 'null', id})),
          now: clock.now(),
          state: 'FAILED',
        }));

        return ended.map((row) => row.id);
      }, true);
    },
    findNotRunning: async (references) => {
      return await applyToMany(references, async (executionIds) => await selectRunningExecutionIds(pool, tables, executionIds), false);
    },
    getActiveTaskInstructions: async (taskName) => {
      // A claim of the task whose reply was lost: what it committed is held for the next claim,
      // and not active yet for the engine, which then leaves room for it in its limit.
      try {
        await recovery.recover(taskName);

        const taskId = taskIds.get(taskName);
        const instructions = (taskId === undefined ? await selectActiveInstructionsByName(pool, tables, taskName) : await selectActiveInstructions(pool, tables, taskId)) as readonly Instruction[];

        return recovery.excludePending(taskName, instructions);
      } catch (error) {
        throw asStoreError(error, isMysqlConnectionError);
      }
    },
    getClaimedExecutionId: ({instruction, taskName}) => {
      return tracker.getClaimedExecutionId(taskName, instruction) ?? null;
    },
    getTaskConcurrency: async ({concurrency, taskName}) => {
      const count = await selectMaximumConcurrentExecutionCount(pool, tables, taskName);

      return count !== null && count > 0 ? count : concurrency;
    },
    heartbeat: async (reference) => {
      const executionId = await resolveExecutionId(reference);
      const running = executionId === null ? [] : await touchExecutions(pool, tables, {executionIds: [executionId], now: clock.now()});

      if (executionId === null || running.length === 0) {
        if (executionId !== null) {
          tracker.forget(executionId);
        }

        throw new ExecutionNotRunningError(executionId === null ? reference : {...reference, executionId});
      }
    },
    heartbeatExecutions: async (references) => {
      return await applyToMany(references, async (executionIds) => await touchExecutions(pool, tables, {executionIds, now: clock.now()}), false);
    },
    listDeadInstructions: async ({limit = 100, taskName} = {}) => {
      if (!Number.isSafeInteger(limit) || limit < 1) {
        throw new InvalidStoreConfigurationError('limit', `Expected \`limit\` to be an integer >= 1, got \`${describeValue(limit)}\`.`);
      }

      const rows = await selectDeadInstructions(pool, tables, {limit, taskName: taskName ?? null});

      return rows.map((row) => ({...row, deadAt: new Date(row.deadAt), instruction: row.instruction as Instruction}));
    },
    notifyTask: async (taskName) => {
      wakeTasks([taskName], 'NOTIFICATION');
    },
    reap: maintenance.reap,
    registerTask: async (definition) => {
      const taskId = await upsertTask(pool, tables, validateTaskDefinition(definition));

      taskIds.set(definition.name, taskId);
    },
    retryInstruction: async ({instruction, taskName}) => {
      if (!await deleteInstructionRetry(pool, tables, {instruction, taskName})) {
        return false;
      }

      wakeTasks([taskName], 'RETRIED');

      return true;
    },
    reviveExecution: async ({executionId}) => {
      const revived = await reviveReleasedExecution(pool, tables, {executionId, now: clock.now()});

      if (revived === null) {
        return false;
      }

      // Active again, and heartbeaten by this store until a worker ends it, as when it was claimed.
      tracker.track(revived.taskName, revived.instruction, revived.id);

      return true;
    },
    subscribe: async ({onWake, taskName}) => {
      if (terminated) {
        throw new StoreTerminatedError('Cannot subscribe: the store is terminated.');
      }

      return subscriptions.subscribe({onWake, taskName});
    },
    tablePrefix,
    terminate: async () => {
      if (terminated) {
        return;
      }

      terminated = true;
      subscriptions.clear();
      await maintenance.stop();
      // Claims whose reply was lost, and what they committed that no claim returned yet: nobody
      // will dispatch those executions, so they end (FAILED) rather than wait for the reaper.
      await recovery.abandon(ABANDON_TIMEOUT);
    },
  };
};
