import {randomUUID} from 'node:crypto';
import {type DatabasePool, type FragmentSqlToken, type QuerySqlToken, sql} from 'slonik';
import {describeValue} from '../../planton/describeValue.ts';
import type {Clock, TaskInstruction} from '../../planton/types.ts';
import {InvalidStoreConfigurationError, UnexpectedClaimResultError} from '../errors.ts';
import type {ClaimedExecution, ClaimExecutionsConfiguration} from '../types.ts';
import type {ClaimRecovery} from './createClaimRecovery.ts';
import type {ExecutionTracker} from './createExecutionTracker.ts';
import type {QueryMethods} from './createPreparedStatements.ts';
import {getSqlState} from './getSqlState.ts';
import {claimAndInsertExecutions, insertExecutions, type Tables} from './queries/index.ts';
import type {PostgresClaim} from './types.ts';

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

/** SQLSTATE of "index row requires N bytes, maximum size is 8191": an instruction the executions' unique index cannot hold. */
const PROGRAM_LIMIT_EXCEEDED = '54000';

/** SQLSTATE raised by admit_claim (migration 3) when the claim would take the task past its concurrency. */
const CAPACITY_EXCEEDED = 'PT002';

/** Claims a call runs at most while the database refuses them (PT002): another process keeps claiming for the task. */
const MAXIMUM_CLAIM_ATTEMPTS = 3;

/**
 * Errors of the combined claim that the separate claim handles or reports better: a claim query
 * that cannot be nested or wrapped, a result the combined statement rejected (too many rows, a
 * column type it does not convert exactly), and instructions the execution table rejects (null,
 * boolean, object), which the separate claim reports as UNEXPECTED_CLAIM_RESULT.
 */
const FALL_BACK_SQL_STATES = new Set([COMBINED_CLAIM_REJECTED, NESTED_DATA_MODIFYING_WITH, '23502', '23514', '42601']);

type Execution = {readonly id: number; readonly instruction: TaskInstruction};

export type ClaimExecutionsDependencies<Instruction extends TaskInstruction> = {
  readonly clock: Clock;
  /** The task's id, inserting the task row on first use. */
  readonly getTaskId: (taskName: string) => Promise<number>;
  readonly hostname: string;
  /** The user's pool: the separate claim's transaction runs on it. */
  readonly pool: DatabasePool;
  /** Reads the task's active instructions from the database (and trusts the tracker's view again). */
  readonly readActiveTaskInstructions: (taskName: string) => Promise<readonly Instruction[]>;
  /** Claims whose reply was lost: looked up before a claim, their executions returned first. */
  readonly recovery: ClaimRecovery<Instruction>;
  /** What statements that run on their own (the combined claim) go through. */
  readonly statements: QueryMethods;
  readonly tables: Tables;
  readonly tracker: ExecutionTracker<Instruction>;
};

/**
 * The store's claim path: claims up to `limit` instructions with the user's claim query and records
 * a RUNNING execution for each, atomically. Nestable claims go as one self-committing statement
 * (claimAndInsertExecutions); what it cannot or will not do (a WITH holding an UPDATE, more rows than
 * the limit, a column type it does not convert exactly, instructions the table rejects) goes as two
 * statements in one transaction on the pool. Given the task's `concurrency`, either way has the
 * database refuse to take the task past it (admit_claim, PT002), counting every process's RUNNING
 * executions under a per-task advisory lock: the active executions are then read and the claim runs
 * again with the limit those leave (at most MAXIMUM_CLAIM_ATTEMPTS in all; then nothing is claimed).
 * Each call writes a token of its own on its executions: a claim that fails without the server's
 * answer (its reply lost) is remembered by it, and the task's next claim first returns what it
 * committed (`recovery`), taking that off its limit.
 */
export const createClaimExecutions = <Instruction extends TaskInstruction = TaskInstruction>({
  clock,
  getTaskId,
  hostname,
  pool,
  readActiveTaskInstructions,
  recovery,
  statements,
  tables,
  tracker,
}: ClaimExecutionsDependencies<Instruction>) => {
  /** Claim functions whose query cannot be nested in claimAndInsertExecutions (a WITH holding an UPDATE, …). */
  const separateClaims = new WeakSet<PostgresClaim<Instruction>>();

  return async ({activeTaskInstructions = [], claim, concurrency, limit, signal, taskName}: ClaimExecutionsConfiguration<Instruction, PostgresClaim<Instruction>>): Promise<ReadonlyArray<ClaimedExecution<Instruction>>> => {
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
    const now = clock.now();
    // OFFSET 0 keeps the planner from flattening EXISTS into an anti-join over every active
    // execution: with stale statistics (always on PGlite, which has no autovacuum; on a server until
    // the first ANALYZE) that join costs active × active comparisons per claim (~800 ms at 1,000
    // active). As a fenced subquery each row is one probe of the active-execution index (~15 ms).
    // The second probe (the retry table's primary key) holds while the instruction waits for its
    // retry or is dead (migration 4). It runs only when the task has a retry row at all (an
    // InitPlan, evaluated once per claim): a task with no failing instruction pays one probe per
    // claim, not one per candidate row (README claim, 100 rows: 0.26 ms as before; with failing
    // instructions 0.41 ms).
    const isActiveInstruction = (expression: FragmentSqlToken) => {
      return sql.fragment`(EXISTS (
        SELECT 1 FROM ${tables.execution} active_execution
        WHERE active_execution.maintenance_task_id = ${taskId}
          AND active_execution.ended_at IS NULL
          AND active_execution.instruction = to_jsonb(${expression})
        OFFSET 0
      ) OR (EXISTS (
        SELECT 1 FROM ${tables.retry} failing_instruction WHERE failing_instruction.maintenance_task_id = ${taskId}
      ) AND EXISTS (
        SELECT 1 FROM ${tables.retry} waiting_instruction
        WHERE waiting_instruction.maintenance_task_id = ${taskId}
          AND waiting_instruction.instruction = to_jsonb(${expression})
          AND (waiting_instruction.dead_at IS NOT NULL OR waiting_instruction.retry_at > to_timestamp(${now / 1_000}))
        OFFSET 0
      )))`;
    };

    // Written on the executions this call records: finds them again if the reply is lost.
    const token = randomUUID();

    /** Claim, then insert: two statements, every value checked in JS. Works for any claim query. */
    const claimSeparately = async (claimQuery: QuerySqlToken, claimLimit: number, capacity: number | null): Promise<readonly Execution[]> => {
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

        return await insertExecutions(connection, tables, {capacity, hostname, instructions, now, taskId, token});
      });
    };

    /**
     * Claim and insert in one self-committing statement (claimAndInsertExecutions): one round trip
     * where a transaction takes three (BEGIN, statement, COMMIT), and the instructions do not travel
     * through this process. The statement checks its own result and raises (rolling itself back)
     * when it is anything it is not sure of: more rows than the limit, a column type other than
     * integers and text, a claim query it cannot nest. Then the claim goes the separate way, which
     * decides exactly as it always did. With a `capacity` it also refuses to take the task past its
     * concurrency (PT002).
     */
    const claimCombined = async (claimQuery: QuerySqlToken, claimLimit: number, capacity: number | null): Promise<readonly Execution[]> => {
      const rows = await claimAndInsertExecutions(statements, tables, {capacity, claim: claimQuery, hostname, limit: claimLimit, now, taskId, token, types: COMBINED_CLAIM_TYPES});
      const active = rows[0]?.active ?? null;
      // The database counted otherwise than the view: another process claimed or ended executions
      // of this task. Read again next round.
      if (active !== null) {
        tracker.distrust(taskName, active);
      }

      return rows.flatMap(({id, instruction}) => id === null ? [] : [{id, instruction: instruction as TaskInstruction}]);
    };

    /** The combined claim, falling back to the separate one for what it cannot or will not do. */
    const claimOnce = async (active: readonly Instruction[], claimLimit: number, capacity: number | null): Promise<readonly Execution[]> => {
      const claimQuery = claim({activeTaskInstructions: active, isActiveInstruction, limit: claimLimit, taskName});

      if (separateClaims.has(claim)) {
        tracker.useSeparateClaims(taskName);

        return await claimSeparately(claimQuery, claimLimit, capacity);
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

        return await claimSeparately(claimQuery, claimLimit, capacity);
      }
    };

    /**
     * Claims within the task's concurrency: when the database refuses (another process claimed
     * meanwhile, or the active instructions given were behind), reads the active executions, takes
     * what the given list missed off the limit, and claims again, as a round that read them would.
     */
    const claimWithinCapacity = async (claimLimit: number): Promise<readonly Execution[]> => {
      const capacity = concurrency ?? null;
      let active: readonly Instruction[] = activeTaskInstructions;
      let attemptLimit = claimLimit;

      for (let attempt = 1; ; attempt++) {
        try {
          return await claimOnce(active, attemptLimit, capacity);
        } catch (error) {
          if (getSqlState(error) !== CAPACITY_EXCEEDED) {
            throw error;
          }

          if (attempt === MAXIMUM_CLAIM_ATTEMPTS) {
            // The task stays full of other processes' claims: nothing is claimed this round, and the
            // view (read before the last attempt) is read again next round.
            tracker.distrust(taskName, Number.NaN);

            return [];
          }
        }

        active = await readActiveTaskInstructions(taskName);
        attemptLimit = Math.max(0, claimLimit - Math.max(0, active.length - activeTaskInstructions.length));

        if (attemptLimit === 0) {
          return [];
        }
      }
    };

    // What a claim whose reply was lost committed goes first, off the limit.
    await recovery.recover(taskName);

    const recovered = Math.min(recovery.countPending(taskName), limit);
    let executions: readonly Execution[] = [];

    if (limit > recovered) {
      try {
        executions = await claimWithinCapacity(limit - recovered);
      } catch (error) {
        if (recovery.isUncertain(error)) {
          recovery.remember(taskName, taskId, token);
        }

        if (getSqlState(error) === PROGRAM_LIMIT_EXCEEDED) {
          throw new UnexpectedClaimResultError(taskName, limit, null, 'returned an instruction too large to record (an index entry holds at most about 8 KB)', {cause: error});
        }

        throw error;
      }
    }

    const claimed = executions.map(({id, instruction}): ClaimedExecution<Instruction> => {
      tracker.track(taskName, instruction, id);

      return {executionId: id, instruction: instruction as Instruction, taskName};
    });

    return [...recovery.takePending(taskName, recovered), ...claimed];
  };
};
