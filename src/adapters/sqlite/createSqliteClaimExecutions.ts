import type {DatabaseSync, SQLInputValue} from 'node:sqlite';
import {describeValue} from '../../planton/describeValue.ts';
import type {Clock, TaskInstruction} from '../../planton/types.ts';
import {InvalidStoreConfigurationError, UnexpectedClaimResultError} from '../errors.ts';
import type {ClaimedExecution, ClaimExecutionsConfiguration} from '../types.ts';
import type {SqliteQueries} from './createSqliteQueries.ts';
import type {SqliteTables} from './createSqliteTables.ts';
import {runImmediateTransaction} from './runImmediateTransaction.ts';
import {toSqliteInstruction} from './toSqliteInstruction.ts';
import type {SqliteClaim, SqliteRow} from './types.ts';

export type SqliteClaimExecutionsDependencies = {
  readonly clock: Clock;
  readonly database: DatabaseSync;
  /** The task's id, inserting the task row on first use (inside the claim's transaction). */
  readonly getTaskId: (taskName: string) => number;
  readonly hostname: string;
  readonly queries: SqliteQueries;
  readonly tables: SqliteTables;
  /** Remembers an execution this store claimed (for its heartbeat and getClaimedExecutionId). */
  readonly track: (taskName: string, instruction: TaskInstruction, executionId: number) => void;
};

/** What a JSON array carries exactly into SQLite: integers, and strings without NUL. */
const isJsonExact = (instruction: TaskInstruction): boolean => typeof instruction === 'string' ? !instruction.includes('\u0000') : Number.isSafeInteger(instruction);

const isPromiseLike = (value: unknown): boolean => {
  return typeof value === 'object' && value !== null && typeof (value as {readonly then?: unknown}).then === 'function';
};

/**
 * The store's claim path. One `BEGIN IMMEDIATE` transaction takes SQLite's write lock (waiting up
 * to the busy timeout for another connection's), so no other process writes until it commits: it
 * counts the task's RUNNING executions, lowers the limit to what the task's concurrency leaves (the
 * cap across processes, exact under the lock), runs the user's claim, checks what it returned (at
 * most `limit` strings or finite numbers, else UNEXPECTED_CLAIM_RESULT and nothing is claimed), and
 * inserts a RUNNING execution for each, skipping instructions that already have one. Everything
 * commits together or is rolled back together.
 */
export const createSqliteClaimExecutions = <Instruction extends TaskInstruction = TaskInstruction>({clock, database, getTaskId, hostname, queries, tables, track}: SqliteClaimExecutionsDependencies) => {
  /**
   * Records a RUNNING execution for each instruction, skipping those that already have one, and
   * returns the recorded ones in the claim's order: one statement for instructions a JSON array
   * carries exactly (ids, names), one statement each otherwise (reals, strings holding NUL).
   */
  const insertExecutions = (instructions: readonly TaskInstruction[], {now, taskId}: {readonly now: number; readonly taskId: number}): ReadonlyArray<{readonly id: number; readonly instruction: TaskInstruction}> => {
    if (instructions.every(isJsonExact)) {
      const ids = new Map(queries.insertExecutions({hostname, instructions, now, taskId}).map(({id, instruction}) => [JSON.stringify(instruction), id]));

      return instructions.flatMap((instruction) => {
        const id = ids.get(JSON.stringify(instruction));

        return id === undefined ? [] : [{id, instruction}];
      });
    }

    return instructions.flatMap((instruction) => {
      const id = queries.insertExecution({hostname, instruction, now, taskId});

      return id === undefined ? [] : [{id, instruction}];
    });
  };

  return ({activeTaskInstructions = [], claim, concurrency, limit, signal, taskName}: ClaimExecutionsConfiguration<Instruction, SqliteClaim<Instruction>>): ReadonlyArray<ClaimedExecution<Instruction>> => {
    if (!Number.isInteger(limit) || limit < 0) {
      throw new InvalidStoreConfigurationError('limit', `Expected \`limit\` to be an integer >= 0, got \`${describeValue(limit)}\`.`);
    }

    if (limit === 0 || signal?.aborted) {
      return [];
    }

    const executions = runImmediateTransaction(database, () => {
      const taskId = getTaskId(taskName);
      const now = clock.now();
      const stored = queries.selectStoredConcurrency(taskName) ?? 0;
      const capacity = concurrency ?? (stored > 0 ? stored : null);
      const claimLimit = capacity === null ? limit : Math.min(limit, Math.max(0, capacity - queries.countActive(taskId)));

      if (claimLimit === 0) {
        return [];
      }

      // Numbers the store wrote itself (an integer id, a time in ms): no text of anyone else's.
      // `+(expression)` strips the column's affinity: compared as it is, the instruction column
      // (which has none) is probed through its index, one lookup per candidate row; with the
      // affinity of an integer column SQLite would convert it and scan every execution of the task
      // (262 claims/s instead of 11,700 on 20,000 rows). It also keeps 42 and '42' apart, as the
      // unique index does.
      const isActiveInstruction = (expression: string) => `(EXISTS (
        SELECT 1 FROM ${tables.execution} active_execution
        WHERE active_execution.maintenance_task_id = ${taskId} AND active_execution.ended_at IS NULL
          AND active_execution.instruction = +(${expression})
      ) OR EXISTS (
        SELECT 1 FROM ${tables.retry} waiting_instruction
        WHERE waiting_instruction.maintenance_task_id = ${taskId} AND waiting_instruction.instruction = +(${expression})
          AND (waiting_instruction.dead_at IS NOT NULL OR waiting_instruction.retry_at > ${Math.floor(now)})
      ))`;

      const values: unknown = claim({
        activeTaskInstructions,
        database,
        isActiveInstruction,
        limit: claimLimit,
        query: (statement: string, ...parameters: SQLInputValue[]) => database.prepare(statement).all(...parameters) as readonly SqliteRow[],
        taskName,
      });

      if (isPromiseLike(values)) {
        // The transaction must not stay open across an await: roll back, and say why.
        throw new UnexpectedClaimResultError(taskName, claimLimit, values, 'returned a promise (the SQLite claim runs synchronously inside the write transaction)');
      }

      if (!Array.isArray(values)) {
        throw new UnexpectedClaimResultError(taskName, claimLimit, values, `returned ${describeValue(values)}, which is not an array of instructions`);
      }

      if (values.length > claimLimit) {
        throw new UnexpectedClaimResultError(taskName, claimLimit, values, `returned ${values.length} instructions, more than the limit of ${claimLimit}`);
      }

      const instructions = new Map<string, TaskInstruction>();

      for (const value of values as readonly unknown[]) {
        const instruction = toSqliteInstruction(value);

        if (instruction === undefined) {
          throw new UnexpectedClaimResultError(taskName, claimLimit, values, `returned ${describeValue(value)}, which is not a string (of well-formed Unicode) or a finite number`);
        }

        // JSON: 42 and '42' are two instructions.
        instructions.set(JSON.stringify(instruction), instruction);
      }

      return insertExecutions([...instructions.values()], {now, taskId});
    });

    return executions.map(({id, instruction}): ClaimedExecution<Instruction> => {
      track(taskName, instruction, id);

      return {executionId: id, instruction: instruction as Instruction, taskName};
    });
  };
};
