import {type CommonQueryMethods, type SerializableValue, sql} from 'slonik';
import {z} from 'zod';
import {createEmitter} from '../../planton/createEmitter.ts';
import {createErrorReporter} from '../../planton/createErrorReporter.ts';
import {createListenerErrorHook} from '../../planton/createListenerErrorHook.ts';
import {createSystemClock} from '../../planton/createSystemClock.ts';
import {serializeUserError} from '../../planton/serializeUserError.ts';
import {Logger} from '../../planton/Logger.ts';
import type {TaskInstruction} from '../../planton/types.ts';
import {describeValue} from '../../planton/describeValue.ts';
import {
  ExecutionNotRunningError,
  InvalidStoreConfigurationError,
  StoreBackgroundError,
  StoreTerminatedError,
} from '../errors.ts';
import type {
  DeadInstruction,
  ExecutionReference,
  StoreEvents,
  SubscribeConfiguration,
  WakeReason,
} from '../types.ts';
import {asStoreError} from '../asStoreError.ts';
import {applyMigrations} from './applyMigrations.ts';
import {getSqlState} from './getSqlState.ts';
import {isConnectionError} from './isConnectionError.ts';
import {getTaskChannel} from './getTaskChannel.ts';
import {
  completeExecutions,
  createNotifyTrigger,
  createTables,
  deleteInstructionRetry,
  endExecution,
  failExecutions,
  type FailedAttempt,
  notifyChannels,
  reviveExecution,
  selectDeadInstructions,
  selectActiveTaskInstructions,
  selectActiveTaskInstructionsById,
  selectMaximumConcurrentExecutionCount,
  selectRunningExecutionIds,
  touchExecutions,
  upsertTask,
} from './queries/index.ts';
import {createClaimExecutions} from './createClaimExecutions.ts';
import {createClaimRecovery} from './createClaimRecovery.ts';
import {createExecutionMaintenance} from './createExecutionMaintenance.ts';
import {createExecutionResolver} from './createExecutionResolver.ts';
import {createExecutionTracker} from './createExecutionTracker.ts';
import {createPreparedStatements, type QueryMethods} from './createPreparedStatements.ts';
import {summarizePostgresExecutions} from './summarizePostgresExecutions.ts';
import {validatePostgresStoreConfiguration, validateTaskDefinition} from './validatePostgresStoreConfiguration.ts';
import type {PostgresClaim, PostgresStore, PostgresStoreConfiguration} from './types.ts';

const log = Logger.child({
  namespace: 'createPostgresStore',
});

const UNIQUE_VIOLATION = '23505';
/** How long terminate() gives the one statement that ends what lost claim replies left undispatched. */
const ABANDON_TIMEOUT = 5_000;
/** First key of the advisory lock serializing trigger installation ('trig'); the second is hashtext(channel). */
const TRIGGER_LOCK_KEY = 0x74_72_69_67;

/**
 * The PostgreSQL store (also PGlite, through createPglitePool): applies its migrations
 * (migrations/postgres/store/) into its own schema, claims and records executions in one transaction, completes/fails/heartbeats them, reaps
 * crashed ones and wakes task loops through LISTEN/NOTIFY. Given a slonik pool it does not own.
 */
export const createPostgresStore = async <Instruction extends TaskInstruction = TaskInstruction>(configuration: PostgresStoreConfiguration): Promise<PostgresStore<Instruction>> => {
  const {activeFromMemory, heartbeatInterval, hostname, pool, preparedStatements, reaperInterval, schema} = validatePostgresStoreConfiguration(configuration);
  // Statements that run on their own go through `statements`; transactions use `pool`.
  const statements = createPreparedStatements(pool, {enabled: preparedStatements});
  const clock = configuration.clock ?? createSystemClock();
  const {listener} = configuration;

  await applyMigrations({pool, schema});

  const tables = createTables(schema);
  const taskIds = new Map<string, number>();
  const tracker = createExecutionTracker<Instruction>({activeFromMemory});
  const subscriptions = new Set<{readonly onWake: SubscribeConfiguration['onWake']; readonly taskName: string; unlisten: (() => Promise<void>) | null}>();
  let terminated = false;

  const events = createEmitter<StoreEvents<Instruction>>(createListenerErrorHook(log));
  const reportError = createErrorReporter<StoreEvents<Instruction>>({events, log});

  /** Reads the task's active instructions from the database, and trusts the view again. */
  const readActiveTaskInstructions = async (taskName: string): Promise<readonly Instruction[]> => {
    // On the wake-up path: once the task's id is known (registered or claimed), no join by name.
    const taskId = taskIds.get(taskName);
    const instructions = (taskId === undefined ?
      await selectActiveTaskInstructions(statements, tables, taskName) :
      await selectActiveTaskInstructionsById(statements, tables, taskId)) as readonly Instruction[];

    tracker.setView(taskName, instructions);

    return instructions;
  };

  /** Emits `dead` for the failed attempts that made their instruction dead (this process's failures only). */
  const reportDead = (attempts: readonly FailedAttempt[]) => {
    const instructions: Array<DeadInstruction<Instruction>> = attempts.filter((attempt) => attempt.dead).map((attempt) => ({
      attempts: attempt.attempts,
      error: attempt.error,
      executionId: attempt.id,
      instruction: attempt.instruction as Instruction,
      taskName: attempt.taskName,
    }));

    if (instructions.length > 0) {
      log.warn({instructions: instructions.map(({attempts, executionId, instruction, taskName}) => ({attempts, executionId, instruction, taskName}))}, 'instructions failed their last attempt; they are dead until revived');
      events.emit('dead', {instructions});
    }
  };

  const getTaskChannelOf = (taskName: string) => {
    return getTaskChannel(schema, taskName);
  };

  const getTaskId = async (taskName: string): Promise<number> => {
    const cached = taskIds.get(taskName);

    if (cached !== undefined) {
      return cached;
    }

    const taskId = await upsertTask(statements, tables, validateTaskDefinition({name: taskName}));

    taskIds.set(taskName, taskId);

    return taskId;
  };

  const {applyToMany, resolveExecutionId} = createExecutionResolver<Instruction>({tables, tracker});

  const end = async (
    reference: ExecutionReference<Instruction>,
    state: 'COMPLETED' | 'FAILED',
    error: SerializableValue | null,
    connection: QueryMethods,
  ) => {
    const executionId = await resolveExecutionId(reference, connection);

    if (!('executionId' in reference)) {
      tracker.removeFromView(reference.taskName, reference.instruction);
    }

    let ended: Awaited<ReturnType<typeof endExecution>>;

    try {
      ended = await endExecution(connection, tables, {error, executionId, now: clock.now(), state});
    } finally {
      tracker.forget(executionId);
    }

    if (ended === null) {
      throw new ExecutionNotRunningError({...reference, executionId});
    }

    if (ended.attempts !== null && ended.dead !== null) {
      reportDead([{...ended, attempts: ended.attempts, dead: ended.dead}]);
    }
  };

  const wake = (subscription: {readonly onWake: SubscribeConfiguration['onWake']}, reason: WakeReason) => {
    try {
      subscription.onWake(reason);
    } catch (error) {
      reportError({error: new StoreBackgroundError('WAKE', error)}, 'a wake-up callback threw');
    }
  };

  const wakeTasks = (taskNames: readonly string[], reason: WakeReason) => {
    for (const subscription of subscriptions) {
      if (taskNames.includes(subscription.taskName)) {
        wake(subscription, reason);
      }
    }
  };

  const recovery = createClaimRecovery<Instruction>({clock, statements, tables, tracker});
  const claim = createClaimExecutions<Instruction>({clock, getTaskId, hostname, pool, readActiveTaskInstructions, recovery, statements, tables, tracker});

  const claimExecutions: PostgresStore<Instruction>['claimExecutions'] = async (claimConfiguration) => {
    if (terminated) {
      throw new StoreTerminatedError('Cannot claim: the store is terminated.');
    }

    try {
      return await claim(claimConfiguration);
    } catch (error) {
      throw asStoreError(error, isConnectionError);
    }
  };

  const maintenance = createExecutionMaintenance<Instruction>({clock, events, getTaskChannel: getTaskChannelOf, heartbeatInterval, log, reaperInterval, reportDead, reportError, statements, tables, tracker, wakeTasks});

  return {
    claimExecutions,
    completeExecution: async (reference: ExecutionReference<Instruction>, options: {readonly connection?: CommonQueryMethods} = {}) => {
      await end(reference, 'COMPLETED', null, options.connection ?? statements);
    },
    completeExecutions: async (references, options = {}) => {
      return await applyToMany(references, options.connection ?? statements, async (connection, executionIds) => {
        return await completeExecutions(connection, tables, {executionIds, now: clock.now()});
      }, true);
    },
    createSchedule: (claim: PostgresClaim<Instruction>) => {
      return async ({activeTaskInstructions, concurrency, limit, signal, taskName}) => {
        const executions = await claimExecutions({activeTaskInstructions, claim, concurrency, limit, signal, taskName});

        return executions.map((execution) => execution.instruction);
      };
    },
    events,
    failExecution: async (reference, error) => {
      await end(reference, 'FAILED', serializeUserError(error) as SerializableValue, statements);
    },
    failExecutions: async (failures) => {
      const errors = new Map(failures.map(({error, reference}) => [reference, serializeUserError(error) as SerializableValue]));

      return await applyToMany(failures.map(({reference}) => reference), statements, async (connection, executionIds, references) => {
        const failed = await failExecutions(connection, tables, {failures: executionIds.map((id) => ({error: errors.get(references.get(id) as ExecutionReference<Instruction>) ?? null, id})), now: clock.now()});

        reportDead(failed);

        return failed.map((attempt) => attempt.id);
      }, true);
    },
    getClaimedExecutionId: ({instruction, taskName}) => {
      return tracker.getClaimedExecutionId(taskName, instruction) ?? null;
    },
    getActiveTaskInstructions: async (taskName) => {
      // A claim of the task whose reply was lost: what it committed is held for the next claim,
      // and not active yet for the engine, which then leaves room for it in its limit.
      try {
        await recovery.recover(taskName);

        return recovery.excludePending(taskName, tracker.getActiveFromMemory(taskName) ?? await readActiveTaskInstructions(taskName));
      } catch (error) {
        throw asStoreError(error, isConnectionError);
      }
    },
    getTaskChannel: getTaskChannelOf,
    getTaskConcurrency: async ({concurrency, taskName}) => {
      const count = await selectMaximumConcurrentExecutionCount(statements, tables, taskName);

      return count !== null && count > 0 ? count : concurrency;
    },
    heartbeat: async (reference) => {
      const executionId = await resolveExecutionId(reference, statements);
      const running = await touchExecutions(statements, tables, {executionIds: [executionId], now: clock.now()});

      if (running.length === 0) {
        tracker.forget(executionId);

        throw new ExecutionNotRunningError({...reference, executionId});
      }
    },
    findNotRunning: async (references) => {
      return await applyToMany(references, statements, async (connection, executionIds) => {
        return await selectRunningExecutionIds(connection, tables, {executionIds});
      }, false);
    },
    heartbeatExecutions: async (references) => {
      return await applyToMany(references, statements, async (connection, executionIds) => {
        return await touchExecutions(connection, tables, {executionIds, now: clock.now()});
      }, false);
    },
    installNotifyTrigger: async ({columns = [], table, taskName}) => {
      const channel = getTaskChannelOf(taskName);

      await pool.transaction(async (connection) => {
        await connection.query(sql.type(z.object({}))`SELECT pg_advisory_xact_lock(${TRIGGER_LOCK_KEY}, hashtext(${channel}))`);
        await createNotifyTrigger(connection, tables, {channel, columns, table: typeof table === 'string' ? [table] : table});
      });
    },
    listDeadInstructions: async ({limit = 100, taskName} = {}) => {
      if (!Number.isSafeInteger(limit) || limit < 1) {
        throw new InvalidStoreConfigurationError('limit', `Expected \`limit\` to be an integer >= 1, got \`${describeValue(limit)}\`.`);
      }

      const rows = await selectDeadInstructions(statements, tables, {limit, taskName: taskName ?? null});

      return rows.map((row) => ({...row, deadAt: new Date(row.deadAt), instruction: row.instruction as Instruction}));
    },
    notifyTask: async (taskName) => {
      await notifyChannels(statements, [getTaskChannelOf(taskName)]);
    },
    retryInstruction: async ({instruction, taskName}) => {
      if (!await deleteInstructionRetry(statements, tables, {instruction, taskName})) {
        return false;
      }

      await notifyChannels(statements, [getTaskChannelOf(taskName)]);
      wakeTasks([taskName], 'RETRIED');

      return true;
    },
    reviveExecution: async ({executionId}) => {
      let revived: Awaited<ReturnType<typeof reviveExecution>>;

      try {
        revived = await reviveExecution(statements, tables, {executionId, now: clock.now()});
      } catch (error) {
        // The claim inserted a RUNNING execution of the instruction meanwhile (the active-execution index).
        if (getSqlState(error) === UNIQUE_VIOLATION) {
          return false;
        }

        throw error;
      }

      if (revived === null) {
        return false;
      }

      // Active again, and heartbeaten by this store until a worker ends it, as when it was claimed.
      tracker.track(revived.taskName, revived.instruction, revived.id);

      return true;
    },
    reap: maintenance.reap,
    registerTask: async (definition) => {
      const taskId = await upsertTask(statements, tables, validateTaskDefinition(definition));

      taskIds.set(definition.name, taskId);
    },
    schema,
    subscribe: async ({onWake, taskName}) => {
      if (terminated) {
        throw new StoreTerminatedError('Cannot subscribe: the store is terminated.');
      }

      const subscription: {readonly onWake: SubscribeConfiguration['onWake']; readonly taskName: string; unlisten: (() => Promise<void>) | null} = {onWake, taskName, unlisten: null};

      subscriptions.add(subscription);

      if (listener) {
        let unlisten: () => Promise<void>;

        try {
          unlisten = await listener.listen(getTaskChannelOf(taskName), (reason) => {
            wake(subscription, reason);
          });
        } catch (error) {
          // Registering nothing: the reaper must not wake a subscription its caller was told failed.
          subscriptions.delete(subscription);

          throw error;
        }

        if (!subscriptions.has(subscription)) {
          // terminate() ran while the listen waited: let the channel go, or the listener keeps its connection.
          await unlisten();

          throw new StoreTerminatedError('Cannot subscribe: the store was terminated meanwhile.');
        }

        subscription.unlisten = unlisten;
      }

      return async () => {
        if (subscriptions.delete(subscription)) {
          await subscription.unlisten?.();
        }
      };
    },
    summarizeExecutions: async (summaryConfiguration) => {
      return await summarizePostgresExecutions({...summaryConfiguration, connection: pool, schema});
    },
    terminate: async () => {
      if (terminated) {
        return;
      }

      terminated = true;
      await maintenance.stop();
      // Claims whose reply was lost, and what they committed that no claim returned yet: nobody
      // will dispatch those executions, so they end (FAILED) rather than wait for the reaper.
      await recovery.abandon(ABANDON_TIMEOUT);

      const remaining = [...subscriptions];

      subscriptions.clear();
      await Promise.all(remaining.map(async (subscription) => {
        await subscription.unlisten?.();
      }));
    },
  };
};
