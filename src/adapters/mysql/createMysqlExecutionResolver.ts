import type {TaskInstruction} from '../../planton/types.ts';
import type {ExecutionTracker} from '../postgres/createExecutionTracker.ts';
import type {ExecutionReference} from '../types.ts';
import type {MysqlTables} from './createMysqlTables.ts';
import {selectRunningExecutionId} from './queries/index.ts';
import type {MysqlQueryable} from './types.ts';

/** How the MySQL store turns the references it is given into execution ids. */
export type MysqlExecutionResolver<Instruction extends TaskInstruction = TaskInstruction> = {
  /**
   * Resolves references to execution ids (those this store claimed from memory, others with one
   * query each), runs `apply` on the ids, and returns the references it did not apply to:
   * unknown, not running, or given twice. `ends` forgets every id tried; otherwise only those
   * found not running.
   */
  readonly applyToMany: (
    references: ReadonlyArray<ExecutionReference<Instruction>>,
    apply: (executionIds: readonly number[], references: ReadonlyMap<number, ExecutionReference<Instruction>>) => Promise<readonly number[]>,
    ends: boolean,
  ) => Promise<ReadonlyArray<ExecutionReference<Instruction>>>;
  /** The reference's execution id, or null when it names no RUNNING execution (or not a possible id). */
  readonly resolveExecutionId: (reference: ExecutionReference<Instruction>) => Promise<number | null>;
};

/** Resolves execution references against the store's memory (`tracker`), and the database (`connection`) when it does not know them. */
export const createMysqlExecutionResolver = <Instruction extends TaskInstruction = TaskInstruction>({connection, tables, tracker}: {
  readonly connection: MysqlQueryable;
  readonly tables: MysqlTables;
  readonly tracker: ExecutionTracker<Instruction>;
}): MysqlExecutionResolver<Instruction> => {
  const resolveExecutionId: MysqlExecutionResolver<Instruction>['resolveExecutionId'] = async (reference) => {
    if ('executionId' in reference) {
      // No execution has an id that is not a safe integer (NaN, 1.5, Infinity).
      return Number.isSafeInteger(reference.executionId) ? reference.executionId : null;
    }

    return tracker.getClaimedExecutionId(reference.taskName, reference.instruction) ??
      await selectRunningExecutionId(connection, tables, reference);
  };

  return {
    applyToMany: async (references, apply, ends) => {
      const notRunning = new Set<ExecutionReference<Instruction>>();
      const byId = new Map<number, ExecutionReference<Instruction>>();

      for (const reference of references) {
        const executionId = await resolveExecutionId(reference);

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
          applied = new Set(await apply(executionIds, byId));

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
    },
    resolveExecutionId,
  };
};

