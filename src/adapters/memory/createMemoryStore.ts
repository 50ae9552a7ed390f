import {createEmitter} from '../../planton/createEmitter.ts';
import {createErrorReporter} from '../../planton/createErrorReporter.ts';
import {createIntervalLoop, type IntervalLoop} from '../../planton/createIntervalLoop.ts';
import {createListenerErrorHook} from '../../planton/createListenerErrorHook.ts';
import {createSystemClock} from '../../planton/createSystemClock.ts';
import {Logger} from '../../planton/Logger.ts';
import {type JsonValue, serializeUserError} from '../../planton/serializeUserError.ts';
import type {TaskInstruction} from '../../planton/types.ts';
import {
  ExecutionNotRunningError,
  StoreBackgroundError,
  StoreTerminatedError,
} from '../errors.ts';
import type {ClaimedExecution, DeadInstruction, ExecutionReference, StoreEvents, WakeReason} from '../types.ts';
import {createMemoryDispatchDatabase, type FailedAttempt} from './createMemoryDispatchDatabase.ts';
import type {MemoryClaim, MemoryStore, MemoryStoreConfiguration} from './types.ts';
import {validateClaimResult, validateInterval} from './validateMemoryStoreInput.ts';
import {validateSummarizeExecutions} from '../validateSummarizeExecutions.ts';

const log = Logger.child({
  namespace: 'createMemoryStore',
});

/**
 * The dispatch store in memory: the reference implementation of the store contract (it passes the
 * conformance kit, `defineDispatchStoreTests`) and a store for tests and single-process use. Nothing
 * survives the process; stores given one `database` act as processes sharing a database.
 */
export const createMemoryStore = <Instruction extends TaskInstruction = TaskInstruction>(configuration: MemoryStoreConfiguration = {}): MemoryStore<Instruction> => {
  const clock = configuration.clock ?? createSystemClock();
  const database = configuration.database ?? createMemoryDispatchDatabase();
  const heartbeatInterval = validateInterval('heartbeatInterval', configuration.heartbeatInterval ?? 10_000, false);
  const reaperInterval = validateInterval('reaperInterval', configuration.reaperInterval ?? 10_000, true);
  /** Executions this store claimed and has not seen end: `task\u0000instruction key` → id. */
  const claimed = new Map<string, number>();
  const unsubscribes = new Set<() => void>();
  const events = createEmitter<StoreEvents<Instruction>>(createListenerErrorHook(log));
  const reportError = createErrorReporter<StoreEvents<Instruction>>({events, log});
  let terminated = false;

  const claimKey = (taskName: string, instruction: TaskInstruction) => JSON.stringify([taskName, instruction]);

  const forget = (execution: {readonly instruction: TaskInstruction; readonly taskName: string}) => {
    claimed.delete(claimKey(execution.taskName, execution.instruction));
  };

  const reportDead = (attempts: ReadonlyArray<FailedAttempt | null>) => {
    const instructions: Array<DeadInstruction<Instruction>> = [];

    for (const attempt of attempts) {
      if (attempt?.dead) {
        instructions.push({attempts: attempt.attempts, error: attempt.error, executionId: attempt.executionId, instruction: attempt.instruction as Instruction, taskName: attempt.taskName});
      }
    }

    if (instructions.length > 0) {
      events.emit('dead', {instructions});
    }
  };

  /** The RUNNING execution a reference names, or `null` (an id that is not a safe integer names none). */
  const find = (reference: ExecutionReference<Instruction>) => {
    if ('executionId' in reference && !Number.isSafeInteger(reference.executionId)) {
      return null;
    }

    return database.findRunning(reference);
  };

  /** Applies `apply` to each running execution of `references` (each once); returns the references it did not apply to. */
  const applyToMany = (references: ReadonlyArray<ExecutionReference<Instruction>>, apply: (executionId: number, reference: ExecutionReference<Instruction>) => void) => {
    const seen = new Set<number>();
    const notRunning: Array<ExecutionReference<Instruction>> = [];

    for (const reference of references) {
      const execution = find(reference);

      if (execution === null || seen.has(execution.id)) {
        notRunning.push(reference);
      } else {
        seen.add(execution.id);
        apply(execution.id, reference);
      }
    }

    return notRunning;
  };

  const end = (executionId: number, state: 'COMPLETED' | 'FAILED', error: JsonValue | null) => {
    const ended = database.end(executionId, state, error, clock.now());

    if (ended !== null) {
      forget(ended.execution);
      reportDead([ended.failed]);
    }
  };

  const endOne = async (reference: ExecutionReference<Instruction>, state: 'COMPLETED' | 'FAILED', error: JsonValue | null) => {
    const execution = find(reference);

    if (execution === null) {
      if (!('executionId' in reference)) {
        forget(reference);
      }

      throw new ExecutionNotRunningError(reference);
    }

    end(execution.id, state, error);
  };

  const claimExecutions: MemoryStore<Instruction>['claimExecutions'] = async ({activeTaskInstructions = [], claim, concurrency, limit, signal, taskName}) => {
    if (terminated) {
      throw new StoreTerminatedError('Cannot claim: the store is terminated.');
    }

    if (limit <= 0) {
      return [];
    }

    const result = await claim({
      activeTaskInstructions,
      isActiveInstruction: (instruction) => database.isActiveInstruction(taskName, instruction, clock.now()),
      limit,
      taskName,
    });
    const instructions = validateClaimResult<Instruction>(taskName, limit, result);

    signal?.throwIfAborted();

    const executions = database.record(taskName, instructions, concurrency ?? null, clock.now());

    for (const execution of executions) {
      claimed.set(claimKey(taskName, execution.instruction), execution.id);
    }

    return executions.map((execution) => ({executionId: execution.id, instruction: execution.instruction as Instruction, taskName}));
  };

  const heartbeatOne = (executionId: number) => {
    const execution = database.findRunning({executionId});

    if (execution !== null) {
      execution.lastSeenAt = clock.now();
    }
  };

  const reap = async (): Promise<ReadonlyArray<ClaimedExecution<Instruction>>> => {
    const reaped: Array<ClaimedExecution<Instruction>> = [];
    const failed: FailedAttempt[] = [];

    for (const stale of database.selectStale(clock.now())) {
      const ended = database.end(stale.id, 'TERMINATED', {code: 'EXECUTION_TERMINATED', message: 'The heartbeat is older than the task\'s maxExecutionDuration.'}, clock.now());

      if (ended !== null) {
        forget(ended.execution);
        reaped.push({executionId: stale.id, instruction: stale.instruction as Instruction, taskName: stale.taskName});

        if (ended.failed !== null) {
          failed.push(ended.failed);
        }
      }
    }

    reportDead(failed);

    if (reaped.length > 0) {
      for (const taskName of new Set(reaped.map((execution) => execution.taskName))) {
        database.notify(taskName, 'REAPED');
      }

      events.emit('reaped', {executions: reaped});
    }

    return reaped;
  };

  const loops: IntervalLoop[] = [
    createIntervalLoop({clock, interval: heartbeatInterval, run: async () => {
      for (const [key, executionId] of claimed) {
        const execution = database.findRunning({executionId});

        if (execution === null) {
          // Ended by another store, or reaped.
          claimed.delete(key);
        } else {
          execution.lastSeenAt = clock.now();
        }
      }
    }}),
  ];

  if (reaperInterval > 0) {
    loops.push(createIntervalLoop({clock, interval: reaperInterval, run: async () => {
      try {
        await reap();
      } catch (error) {
        reportError({error: new StoreBackgroundError('REAP', error)}, 'the reaper failed');
      }
    }}));
  }

  return {
    claimExecutions,
    completeExecution: async (reference) => {
      await endOne(reference, 'COMPLETED', null);
    },
    completeExecutions: async (references) => {
      return applyToMany(references, (executionId) => {
        end(executionId, 'COMPLETED', null);
      });
    },
    createSchedule: (claim: MemoryClaim<Instruction>) => {
      return async ({activeTaskInstructions, concurrency, limit, signal, taskName}) => {
        const executions = await claimExecutions({activeTaskInstructions, claim, concurrency, limit, signal, taskName});

        return executions.map((execution) => execution.instruction);
      };
    },
    events,
    failExecution: async (reference, error) => {
      await endOne(reference, 'FAILED', serializeUserError(error));
    },
    failExecutions: async (failures) => {
      const errors = new Map(failures.map(({error, reference}) => [reference, error]));

      return applyToMany(failures.map(({reference}) => reference), (executionId, reference) => {
        end(executionId, 'FAILED', serializeUserError(errors.get(reference)));
      });
    },
    findNotRunning: async (references) => {
      return applyToMany(references, () => undefined);
    },
    getActiveTaskInstructions: async (taskName) => {
      return database.getActiveInstructions(taskName) as readonly Instruction[];
    },
    getClaimedExecutionId: ({instruction, taskName}) => {
      const executionId = claimed.get(claimKey(taskName, instruction));

      return executionId === undefined || database.findRunning({executionId}) === null ? null : executionId;
    },
    getTaskConcurrency: async ({concurrency, taskName}) => {
      const count = database.getTask(taskName).maxConcurrentExecutionCount;

      return count > 0 ? count : concurrency;
    },
    heartbeat: async (reference) => {
      const execution = find(reference);

      if (execution === null) {
        throw new ExecutionNotRunningError(reference);
      }

      heartbeatOne(execution.id);
    },
    heartbeatExecutions: async (references) => {
      return applyToMany(references, heartbeatOne);
    },
    notifyTask: async (taskName) => {
      database.notify(taskName, 'NOTIFICATION');
    },
    reap,
    registerTask: async (definition) => {
      database.registerTask(definition);
    },
    subscribe: async ({onWake, taskName}) => {
      if (terminated) {
        throw new StoreTerminatedError('Cannot subscribe: the store is terminated.');
      }

      const unsubscribe = database.subscribe(taskName, (reason: WakeReason) => {
        try {
          onWake(reason);
        } catch (error) {
          reportError({error: new StoreBackgroundError('WAKE', error)}, 'a wake-up callback threw');
        }
      });

      unsubscribes.add(unsubscribe);

      return async () => {
        unsubscribes.delete(unsubscribe);
        unsubscribe();
      };
    },
    summarizeExecutions: async (summaryConfiguration) => {
      const {recentLimit, since} = validateSummarizeExecutions(summaryConfiguration);

      return database.summarize(since, recentLimit);
    },
    terminate: async () => {
      if (terminated) {
        return;
      }

      terminated = true;

      for (const unsubscribe of unsubscribes) {
        unsubscribe();
      }

      unsubscribes.clear();
      await Promise.all(loops.map(async (loop) => {
        await loop.stop();
      }));
    },
  };
};
