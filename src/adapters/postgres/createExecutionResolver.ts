import type {TaskInstruction} from '../../planton/types.ts';
import {ExecutionNotRunningError} from '../errors.ts';
import type {ExecutionReference} from '../types.ts';
import type {ExecutionTracker} from './createExecutionTracker.ts';
import type {QueryMethods} from './createPreparedStatements.ts';
import {selectRunningExecutionId, type Tables} from './queries/index.ts';

/** Runs `apply` on execution ids in one statement and resolves with the ids it applied to. */
export type ApplyToExecutionIds<Instruction extends TaskInstruction = TaskInstruction> = (
  connection: QueryMethods,
  executionIds: readonly number[],
  references: ReadonlyMap<number, ExecutionReference<Instruction>>,
) => Promise<readonly number[]>;

/** How the store turns the references it is given into execution ids. */
export type ExecutionResolver<Instruction extends TaskInstruction = TaskInstruction> = {
  /**
   * Resolves references to execution ids (in-flight ones from memory, others with one query each,
   * the uncommon case), runs `apply` on the ids in one statement, and returns the references it did
   * not apply to: unknown, not running, or given twice. `ends` forgets every id tried (completed,
   * or found ended); otherwise only those found ended.
   */
  readonly applyToMany: (
    references: ReadonlyArray<ExecutionReference<Instruction>>,
    connection: QueryMethods,
    apply: ApplyToExecutionIds<Instruction>,
    ends: boolean,
  ) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;
  /** The reference's execution id (from memory, or the RUNNING execution of its instruction); rejects with ExecutionNotRunningError when there is none. */
  readonly resolveExecutionId: (reference: ExecutionReference<Instruction>, connection: QueryMethods) => Promise<number>;
};

/** Resolves execution references against the store's memory (`tracker`), and the database when it does not know them. */
export const createExecutionResolver = <Instruction extends TaskInstruction = TaskInstruction>({tables, tracker}: {
  readonly tables: Tables;
  readonly tracker: ExecutionTracker<Instruction>;
}): ExecutionResolver<Instruction> => {
  const resolveExecutionId: ExecutionResolver<Instruction>['resolveExecutionId'] = async (reference, connection) => {
    if ('executionId' in reference) {
      // No execution has an id that is not a safe integer (NaN, 1.5, Infinity): asking would only fail in the driver.
      if (!Number.isSafeInteger(reference.executionId)) {
        throw new ExecutionNotRunningError(reference);
      }

      return reference.executionId;
    }

    const executionId = tracker.getClaimedExecutionId(reference.taskName, reference.instruction) ??
      await selectRunningExecutionId(connection, tables, reference);

    if (executionId === null) {
      throw new ExecutionNotRunningError(reference);
    }

    return executionId;
  };

  const applyToMany: ExecutionResolver<Instruction>['applyToMany'] = async (references, connection, apply, ends) => {
    const notRunning = new Set<ExecutionReference<Instruction>>();
    const byId = new Map<number, ExecutionReference<Instruction>>();

    for (const reference of references) {
      const executionId = 'executionId' in reference ?
        reference.executionId :
        tracker.getClaimedExecutionId(reference.taskName, reference.instruction) ?? await selectRunningExecutionId(connection, tables, reference);

      if (executionId === null || !Number.isSafeInteger(executionId) || byId.has(executionId)) {
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

  return {
    applyToMany,
    resolveExecutionId,
  };
};
