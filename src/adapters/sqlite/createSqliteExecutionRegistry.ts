import type {TaskInstruction} from '../../planton/types.ts';
import type {ExecutionReference} from '../types.ts';
import type {SqliteQueries} from './createSqliteQueries.ts';

const toKey = (taskName: string, instruction: TaskInstruction): string => JSON.stringify([taskName, instruction]);

/**
 * What the SQLite store remembers of the executions it claimed and has not seen end (instruction ⇄
 * execution id: what its heartbeat touches and getClaimedExecutionId answers), and how it turns
 * references into execution ids. Unlike the PostgreSQL store it keeps no view of the active
 * instructions: reading them from a local file costs microseconds, not a round trip.
 */
export const createSqliteExecutionRegistry = <Instruction extends TaskInstruction>(queries: SqliteQueries) => {
  const claimedByKey = new Map<string, number>();
  const claimedById = new Map<number, string>();

  const forget = (executionId: number) => {
    const key = claimedById.get(executionId);

    if (key !== undefined) {
      claimedById.delete(executionId);
      claimedByKey.delete(key);
    }
  };

  /** The reference's execution id: from memory, else the instruction's RUNNING execution; null when none. */
  const findExecutionId = (reference: ExecutionReference<Instruction>): number | null => {
    if ('executionId' in reference) {
      // No execution has an id that is not a safe integer (NaN, 1.5, Infinity).
      return Number.isSafeInteger(reference.executionId) ? reference.executionId : null;
    }

    return claimedByKey.get(toKey(reference.taskName, reference.instruction)) ?? queries.selectRunningExecutionId(reference.taskName, reference.instruction);
  };

  /**
   * Resolves references to ids, runs `apply` on the distinct ones (with the reference of each), and
   * returns the references it did not apply to: unknown, not running, or given twice. `ends`
   * forgets every id tried; otherwise only those not running.
   */
  const applyToMany = (
    references: ReadonlyArray<ExecutionReference<Instruction>>,
    apply: (executionIds: readonly number[], byId: ReadonlyMap<number, ExecutionReference<Instruction>>) => readonly number[],
    ends: boolean,
  ): ReadonlyArray<ExecutionReference<Instruction>> => {
    const notRunning = new Set<ExecutionReference<Instruction>>();
    const byId = new Map<number, ExecutionReference<Instruction>>();

    for (const reference of references) {
      const executionId = findExecutionId(reference);

      if (executionId === null || byId.has(executionId)) {
        notRunning.add(reference);
      } else {
        byId.set(executionId, reference);
      }
    }

    if (byId.size > 0) {
      let applied = new Set<number>();

      try {
        applied = new Set(apply([...byId.keys()], byId));
      } finally {
        for (const [executionId, reference] of byId) {
          if (!applied.has(executionId)) {
            notRunning.add(reference);
          }

          if (ends || !applied.has(executionId)) {
            forget(executionId);
          }
        }
      }
    }

    return references.filter((reference) => notRunning.has(reference));
  };

  return {
    applyToMany,
    findExecutionId,
    forget,
    getClaimedExecutionId: (taskName: string, instruction: TaskInstruction): number | null => claimedByKey.get(toKey(taskName, instruction)) ?? null,
    getClaimedExecutionIds: (): readonly number[] => [...claimedById.keys()],
    track: (taskName: string, instruction: TaskInstruction, executionId: number) => {
      const key = toKey(taskName, instruction);

      claimedByKey.set(key, executionId);
      claimedById.set(executionId, key);
    },
  };
};
