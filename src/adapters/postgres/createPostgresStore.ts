import {serializeError} from 'serialize-error';
import {type CommonQueryMethods, type FragmentSqlToken, type QuerySqlToken, type SerializableValue, sql} from 'slonik';
import {z} from 'zod';
import {describeValue} from '../../planton/describeValue.ts';
import {createEmitter} from '../../planton/createEmitter.ts';
import {createErrorReporter} from '../../planton/createErrorReporter.ts';
import {createListenerErrorHook} from '../../planton/createListenerErrorHook.ts';
import {createSystemClock} from '../../planton/createSystemClock.ts';
import {Logger} from '../../planton/Logger.ts';
import type {TaskInstruction} from '../../planton/types.ts';
import {createIntervalLoop, type IntervalLoop} from '../../planton/createIntervalLoop.ts';
import {
  ExecutionNotRunningError,
  InvalidStoreConfigurationError,
  StoreBackgroundError,
  StoreTerminatedError,
  UnexpectedClaimResultError,
} from '../errors.ts';
import type {
  ClaimedExecution,
  ExecutionReference,
  StoreEvents,
  SubscribeConfiguration,
  WakeReason,
} from '../types.ts';
import {applyMigrations} from './applyMigrations.ts';
import {getTaskChannel} from './getTaskChannel.ts';
import {
  claimAndInsertExecutions,
  completeExecutions,
  createNotifyTrigger,
  createTables,
  endExecution,
  failExecutions,
  insertExecutions,
  notifyChannels,
  selectActiveTaskInstructions,
  selectActiveTaskInstructionsById,
  selectMaximumConcurrentExecutionCount,
  selectRunningExecutionId,
  selectRunningExecutionIds,
  terminateStaleExecutions,
  touchExecutions,
  upsertTask,
} from './queries.ts';
import {createExecutionTracker} from './createExecutionTracker.ts';
import {createPreparedStatements, type QueryMethods} from './createPreparedStatements.ts';
import {getSqlState} from './getSqlState.ts';
import {validatePostgresStoreConfiguration, validateTaskDefinition} from './validatePostgresStoreConfiguration.ts';
import type {PostgresClaim, PostgresStore, PostgresStoreConfiguration} from './types.ts';

const log = Logger.child({
  namespace: 'createPostgresStore',
});

const REAPER_BATCH_SIZE = 1_000;
const TERMINATED_REASON = 'last_seen_at older than maximum_execution_duration';
/** First key of the advisory lock serializing trigger installation ('trig'); the second is hashtext(channel). */
const TRIGGER_LOCK_KEY = 0x74_72_69_67;

/** Accepts what a claim query returns: strings, finite numbers, and bigints that fit a number (int8 ids). */
const toInstruction = (value: unknown): TaskInstruction | undefined => {
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) {
    return value;
  }

  if (typeof value === 'bigint' && Number.isSafeInteger(Number(value))) {
    return Number(value);
  }

  return undefined;
};

/** First-column types whose values claimAndInsertExecutions turns into instructions exactly as pg's parsers would. */
const COMBINED_CLAIM_TYPES: readonly string[] = ['bigint', 'character varying', 'integer', 'smallint', 'text'];

/** SQLSTATE of "WITH clause containing a data-modifying statement must be at the top level". */
const NESTED_DATA_MODIFYING_WITH = '0A000';

/** SQLSTATE raised by assert_combined_claim (migration 2): the combined claim rolled itself back. */
const COMBINED_CLAIM_REJECTED = 'PT001';

/** SQLSTATE raised by assert_combined_claim when the claim would take the task past its concurrency. */
const CAPACITY_EXCEEDED = 'PT002';

/**
 * Errors of the combined claim that the separate claim handles or reports better: a claim query
 * that cannot be nested or wrapped, a result the combined statement rejected (too many rows, a
 * column type it does not convert exactly), and instructions the execution table rejects (null,
 * boolean, object), which the separate claim reports as UNEXPECTED_CLAIM_RESULT.
 */
const FALL_BACK_SQL_STATES = new Set([COMBINED_CLAIM_REJECTED, NESTED_DATA_MODIFYING_WITH, '23502', '23514', '42601']);

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
  /** Claim functions whose query cannot be nested in claimAndInsertExecutions (a WITH holding an UPDATE, …). */
  const separateClaims = new WeakSet<PostgresClaim<Instruction>>();
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

  const resolveExecutionId = async (reference: ExecutionReference<Instruction>, connection: QueryMethods): Promise<number> => {
    if ('executionId' in reference) {
      return reference.executionId;
    }

    const executionId = tracker.getClaimedExecutionId(reference.taskName, reference.instruction) ??
      await selectRunningExecutionId(connection, tables, reference);

    if (executionId === null) {
      throw new ExecutionNotRunningError(reference);
    }

    return executionId;
  };

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

    try {
      if (!await endExecution(connection, tables, {error, executionId, now: clock.now(), state})) {
        throw new ExecutionNotRunningError({...reference, executionId});
      }
    } finally {
      tracker.forget(executionId);
    }
  };

  /**
   * Resolves references to execution ids (in-flight ones from memory, others with one query each,
   * the uncommon case), runs `apply` on the ids in one statement, and returns the references it did
   * not apply to: unknown, not running, or given twice. `ends` forgets every id tried (completed,
   * or found ended); otherwise only those found ended.
   */
  const applyToMany = async (
    references: ReadonlyArray<ExecutionReference<Instruction>>,
    connection: QueryMethods,
    apply: (connection: QueryMethods, executionIds: readonly number[], references: ReadonlyMap<number, ExecutionReference<Instruction>>) => Promise<readonly number[]>,
    ends: boolean,
  ): Promise<ReadonlyArray<ExecutionReference<Instruction>>> => {
    const notRunning = new Set<ExecutionReference<Instruction>>();
    const byId = new Map<number, ExecutionReference<Instruction>>();

    for (const reference of references) {
      const executionId = 'executionId' in reference ?
        reference.executionId :
        tracker.getClaimedExecutionId(reference.taskName, reference.instruction) ?? await selectRunningExecutionId(connection, tables, reference);

      if (executionId === null || byId.has(executionId)) {
        notRunning.add(reference);
      } else {
        byId.set(executionId, reference);
      }
    }

    if (byId.size > 0) {
      const executionIds = [...byId.keys()];
      let applied = new Set<number>();

      try {
        applied = new Set(await apply(connection, executionIds, byId));

        for (const [executionId, reference] of byId) {
          if (!applied.has(executionId)) {
            notRunning.add(reference);
          }
        }
      } finally {
        for (const executionId of executionIds) {
          if (ends || !applied.has(executionId)) {
            tracker.forget(executionId);
          }
        }
      }
    }

    return references.filter((reference) => notRunning.has(reference));
  };

  const wake = (subscription: {readonly onWake: SubscribeConfiguration['onWake']}, reason: WakeReason) => {
    try {
      subscription.onWake(reason);
    } catch (error) {
      reportError({error: new StoreBackgroundError('WAKE', error)}, 'a wake-up callback threw');
    }
  };

  const claimExecutions: PostgresStore<Instruction>['claimExecutions'] = async ({activeTaskInstructions = [], claim, concurrency, limit, signal, taskName}) => {
    if (terminated) {
      throw new StoreTerminatedError('Cannot claim: the store is terminated.');
    }

    if (!Number.isInteger(limit) || limit < 0) {
      throw new InvalidStoreConfigurationError('limit', `Expected \`limit\` to be an integer >= 0, got \`${describeValue(limit)}\`.`);
    }

    if (concurrency !== undefined) {
      tracker.setConcurrency(taskName, concurrency);
    }

    if (limit === 0 || signal?.aborted) {
      return [];
    }

    const taskId = await getTaskId(taskName);
    // OFFSET 0 keeps the planner from flattening EXISTS into an anti-join over every active
    // execution: with stale statistics (always on PGlite, which has no autovacuum; on a server until
    // the first ANALYZE) that join costs active × active comparisons per claim (~800 ms at 1,000
    // active). As a fenced subquery each row is one probe of the active-execution index (~15 ms).
    const isActiveInstruction = (expression: FragmentSqlToken) => {
      return sql.fragment`EXISTS (
        SELECT 1 FROM ${tables.execution} active_execution
        WHERE active_execution.maintenance_task_id = ${taskId}
          AND active_execution.ended_at IS NULL
          AND active_execution.instruction = to_jsonb(${expression})
        OFFSET 0
      )`;
    };

    const now = clock.now();

    /** Claim, then insert: two statements, every value checked in JS. Works for any claim query. */
    const claimSeparately = async (claimQuery: QuerySqlToken, claimLimit: number) => {
      return await pool.transaction(async (connection) => {
        const result = await connection.query(claimQuery);
        const column = result.fields[0]?.name;
        const values = column === undefined ? [] : result.rows.map((row) => (row as Record<string, unknown>)[column]);

        if (values.length > claimLimit) {
          throw new UnexpectedClaimResultError(taskName, claimLimit, values, `returned ${values.length} rows, more than the limit of ${claimLimit}`);
        }

        const instructions: TaskInstruction[] = [];
        const seen = new Set<string>();

        for (const value of values) {
          const instruction = toInstruction(value);

          if (instruction === undefined) {
            throw new UnexpectedClaimResultError(taskName, claimLimit, values, `returned ${describeValue(value)}, which is not a string or a finite number`);
          }

          // JSON: 42 and '42' are two instructions.
          const key = JSON.stringify(instruction);

          if (!seen.has(key)) {
            seen.add(key);
            instructions.push(instruction);
          }
        }

        if (instructions.length === 0) {
          return [];
        }

        return await insertExecutions(connection, tables, {hostname, instructions, now, taskId});
      });
    };

    /**
     * Claim and insert in one self-committing statement (claimAndInsertExecutions): one round trip
     * where a transaction takes three (BEGIN, statement, COMMIT), and the instructions do not travel
     * through this process. The statement checks its own result and raises (rolling itself back)
     * when it is anything it is not sure of: more rows than the limit, a column type other than
     * integers and text, a claim query it cannot nest. Then the claim goes the separate way, which
     * decides exactly as it always did. With a `capacity` (the active instructions came from memory)
     * it also refuses to take the task past its concurrency (PT002).
     */
    const claimCombined = async (claimQuery: QuerySqlToken, claimLimit: number, capacity: number | null) => {
      const rows = await claimAndInsertExecutions(statements, tables, {capacity, claim: claimQuery, hostname, limit: claimLimit, now, taskId, types: COMBINED_CLAIM_TYPES});
      const active = rows[0]?.active ?? null;
      // The database counted otherwise than the view: another process claimed or ended executions
      // of this task. Read again next round.
      if (active !== null) {
        tracker.distrust(taskName, active);
      }

      return rows.flatMap(({id, instruction}) => id === null ? [] : [{id, instruction: instruction as TaskInstruction}]);
    };

    /** The combined claim, falling back to the separate one for what it cannot or will not do. */
    const claimOnce = async (active: readonly Instruction[], claimLimit: number, capacity: number | null) => {
      const claimQuery = claim({activeTaskInstructions: active, isActiveInstruction, limit: claimLimit, taskName});

      if (separateClaims.has(claim)) {
        tracker.useSeparateClaims(taskName);

        return await claimSeparately(claimQuery, claimLimit);
      }

      try {
        return await claimCombined(claimQuery, claimLimit, capacity);
      } catch (error) {
        const sqlState = getSqlState(error);

        if (sqlState === CAPACITY_EXCEEDED || sqlState === null || !FALL_BACK_SQL_STATES.has(sqlState)) {
          throw error;
        }

        if (sqlState === NESTED_DATA_MODIFYING_WITH) {
          separateClaims.add(claim);
          tracker.useSeparateClaims(taskName);
        }

        return await claimSeparately(claimQuery, claimLimit);
      }
    };

    const fromMemory = concurrency !== undefined && tracker.isServedFromMemory(activeTaskInstructions);
    let executions: ReadonlyArray<{readonly id: number; readonly instruction: TaskInstruction}>;

    try {
      executions = await claimOnce(activeTaskInstructions, limit, fromMemory ? concurrency : null);
    } catch (error) {
      if (getSqlState(error) !== CAPACITY_EXCEEDED) {
        throw error;
      }

      // The view was behind (another process claimed for this task): read the active executions,
      // take what the view missed off the limit, and claim once more, as a round that read them would.
      const exact = await readActiveTaskInstructions(taskName);
      const missed = Math.max(0, exact.length - activeTaskInstructions.length);
      const exactLimit = Math.max(0, limit - missed);

      executions = exactLimit === 0 ? [] : await claimOnce(exact, exactLimit, null);
    }

    return executions.map(({id, instruction}) => {
      tracker.track(taskName, instruction, id);

      return {executionId: id, instruction: instruction as Instruction, taskName};
    });
  };

  const reap: PostgresStore<Instruction>['reap'] = async () => {
    const reaped: Array<ClaimedExecution<Instruction>> = [];

    for (;;) {
      const rows = await terminateStaleExecutions(statements, tables, {batchSize: REAPER_BATCH_SIZE, now: clock.now(), reason: TERMINATED_REASON});

      for (const row of rows) {
        tracker.forget(row.id);
        // Possibly another process's execution, in the view as read from the database.
        tracker.removeFromView(row.taskName, row.instruction);
        reaped.push({executionId: row.id, instruction: row.instruction as Instruction, taskName: row.taskName});
      }

      if (rows.length < REAPER_BATCH_SIZE) {
        break;
      }
    }

    if (reaped.length > 0) {
      const taskNames = [...new Set(reaped.map((execution) => execution.taskName))];

      log.warn({count: reaped.length, taskNames}, 'terminated executions whose heartbeat is older than their limit');
      await notifyChannels(statements, taskNames.map(getTaskChannelOf));

      for (const subscription of subscriptions) {
        if (taskNames.includes(subscription.taskName)) {
          wake(subscription, 'REAPED');
        }
      }

      events.emit('reaped', {executions: reaped});
    }

    return reaped;
  };

  const beat = async () => {
    const executionIds = tracker.getClaimedExecutionIds();

    if (executionIds.length === 0) {
      return;
    }

    try {
      const running = new Set(await touchExecutions(statements, tables, {executionIds, now: clock.now()}));

      for (const executionId of executionIds) {
        if (!running.has(executionId)) {
          tracker.forget(executionId);
        }
      }
    } catch (error) {
      reportError({error: new StoreBackgroundError('HEARTBEAT', error)}, 'heartbeat failed');
    }
  };

  const loops: IntervalLoop[] = [createIntervalLoop({clock, interval: heartbeatInterval, run: beat})];

  if (reaperInterval > 0) {
    loops.push(createIntervalLoop({
      clock,
      interval: reaperInterval,
      run: async () => {
        try {
          await reap();
        } catch (error) {
          reportError({error: new StoreBackgroundError('REAP', error)}, 'reaper failed');
        }
      },
    }));
  }

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
      await end(reference, 'FAILED', serializeError(error) as SerializableValue, statements);
    },
    failExecutions: async (failures) => {
      const errors = new Map(failures.map(({error, reference}) => [reference, serializeError(error) as SerializableValue]));

      return await applyToMany(failures.map(({reference}) => reference), statements, async (connection, executionIds, references) => {
        return await failExecutions(connection, tables, {failures: executionIds.map((id) => ({error: errors.get(references.get(id) as ExecutionReference<Instruction>) ?? null, id})), now: clock.now()});
      }, true);
    },
    getClaimedExecutionId: ({instruction, taskName}) => {
      return tracker.getClaimedExecutionId(taskName, instruction) ?? null;
    },
    getActiveTaskInstructions: async (taskName) => {
      return tracker.getActiveFromMemory(taskName) ?? await readActiveTaskInstructions(taskName);
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
    notifyTask: async (taskName) => {
      await notifyChannels(statements, [getTaskChannelOf(taskName)]);
    },
    reap,
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
        subscription.unlisten = await listener.listen(getTaskChannelOf(taskName), (reason) => {
          wake(subscription, reason);
        });
      }

      return async () => {
        if (subscriptions.delete(subscription)) {
          await subscription.unlisten?.();
        }
      };
    },
    terminate: async () => {
      if (terminated) {
        return;
      }

      terminated = true;
      await Promise.all(loops.map(async (loop) => {
        await loop.stop();
      }));

      const remaining = [...subscriptions];

      subscriptions.clear();
      await Promise.all(remaining.map(async (subscription) => {
        await subscription.unlisten?.();
      }));
    },
  };
};
