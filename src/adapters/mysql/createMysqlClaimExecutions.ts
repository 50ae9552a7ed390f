import {randomUUID} from 'node:crypto';
import type {Pool, PoolConnection} from 'mysql2/promise';
import {describeValue} from '../../planton/describeValue.ts';
import type {Clock, TaskInstruction} from '../../planton/types.ts';
import {InvalidStoreConfigurationError, UnexpectedClaimResultError} from '../errors.ts';
import type {ClaimedExecution, ClaimExecutionsConfiguration} from '../types.ts';
import type {ClaimRecovery} from '../createClaimRecovery.ts';
import type {MysqlTables} from './createMysqlTables.ts';
import {isStorableInstruction} from './encodeInstruction.ts';
import {insertExecutions, lockTaskAndCountRunning} from './queries/index.ts';
import type {MysqlClaim, MysqlClaimQuery} from './types.ts';
import {withMysqlTransaction} from './withMysqlTransaction.ts';

/** InnoDB chose this claim as a deadlock's victim (two claims inserting the same instructions in another order): it rolled back whole, and runs again. */
const DEADLOCK = 'ER_LOCK_DEADLOCK';

/** Claims a call runs at most while InnoDB keeps choosing it as a deadlock's victim. */
const MAXIMUM_CLAIM_ATTEMPTS = 3;

/** Largest instruction JSON the MEDIUMTEXT column holds (16 MiB − 1 bytes). */
const MAXIMUM_INSTRUCTION_BYTES = 16_777_215;

/**
 * Accepts what a claim returns: strings of well-formed Unicode, finite numbers within
 * ±Number.MAX_SAFE_INTEGER (mysql2 reads a larger BIGINT as a number that lost its last digits,
 * unless its `supportBigNumbers` makes it a string), and bigints that fit a number.
 */
const toInstruction = (value: unknown): TaskInstruction | undefined => {
  if (typeof value === 'bigint' && Number.isSafeInteger(Number(value))) {
    return Number(value);
  }

  if (typeof value === 'number' && Math.abs(value) > Number.MAX_SAFE_INTEGER) {
    return undefined;
  }

  return isStorableInstruction(value) && Buffer.byteLength(JSON.stringify(value)) <= MAXIMUM_INSTRUCTION_BYTES ? value : undefined;
};

const isClaimQuery = (result: MysqlClaimQuery | readonly unknown[]): result is MysqlClaimQuery => {
  return !Array.isArray(result);
};

export type MysqlClaimExecutionsDependencies<Instruction extends TaskInstruction> = {
  readonly clock: Clock;
  /** The task's id, inserting the task row on first use. */
  readonly getTaskId: (taskName: string) => Promise<number>;
  readonly hostname: string;
  readonly pool: Pool;
  /** Claims whose reply was lost: looked up before a claim, their executions returned first. */
  readonly recovery: ClaimRecovery<Instruction>;
  readonly tables: MysqlTables;
  /** The server supports INSERT … RETURNING (supportsInsertReturning). */
  readonly returning: boolean;
  /** Each execution the claim recorded (the store heartbeats it and knows its id). */
  readonly track: (execution: ClaimedExecution<Instruction>) => void;
};

/**
 * The MySQL store's claim path: in one READ COMMITTED transaction, (given the task's
 * `concurrency`) locks the task's row and counts its RUNNING executions, so that the claims of one
 * task go one at a time across every process and none takes it past its concurrency; runs the
 * user's claim with the limit that leaves; records a RUNNING execution for each instruction it
 * returned; commits. Either both the claim's row locks/updates and the executions commit, or
 * neither does. Instructions another process has RUNNING meanwhile are dropped (the unique key).
 */
export const createMysqlClaimExecutions = <Instruction extends TaskInstruction = TaskInstruction>({clock, getTaskId, hostname, pool, recovery, returning, tables, track}: MysqlClaimExecutionsDependencies<Instruction>) => {
  return async ({activeTaskInstructions = [], claim, concurrency, limit, signal, taskName}: ClaimExecutionsConfiguration<Instruction, MysqlClaim<Instruction>>): Promise<ReadonlyArray<ClaimedExecution<Instruction>>> => {
    if (!Number.isInteger(limit) || limit < 0) {
      throw new InvalidStoreConfigurationError('limit', `Expected \`limit\` to be an integer >= 0, got \`${describeValue(limit)}\`.`);
    }

    if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 0)) {
      throw new InvalidStoreConfigurationError('concurrency', `Expected \`concurrency\` to be an integer >= 0, got \`${describeValue(concurrency)}\`.`);
    }

    if (limit === 0 || signal?.aborted) {
      return [];
    }

    const taskId = await getTaskId(taskName);
    // Written on the executions this call records: finds them again if the COMMIT's reply is lost.
    const token = randomUUID();

    // What a claim whose reply was lost committed goes first, off the limit (it is RUNNING: the
    // count under the task's lock below includes it).
    await recovery.recover(taskName);

    const recovered = Math.min(recovery.countPending(taskName), limit);

    const claimOnce = async (connection: PoolConnection) => {
      const now = clock.now();
      const claimLimit = concurrency === undefined ? limit - recovered : Math.min(limit - recovered, Math.max(0, concurrency - await lockTaskAndCountRunning(connection, tables, taskId)));

      if (claimLimit === 0) {
        return [];
      }

      // Only integers the store produced are written into the SQL: the task's id and the time.
      const isActiveInstruction = (expression: string) => {
        const key = `UNHEX(SHA2(CONVERT(${expression} USING utf8mb4), 256))`;

        return `(EXISTS (
          SELECT 1 FROM ${tables.execution} active_execution
          WHERE active_execution.maintenance_task_id = ${taskId} AND active_execution.active_instruction_hash = ${key}
        ) OR EXISTS (
          SELECT 1 FROM ${tables.retry} waiting_instruction
          WHERE waiting_instruction.maintenance_task_id = ${taskId} AND waiting_instruction.instruction_hash = ${key}
            AND (waiting_instruction.dead_at IS NOT NULL OR waiting_instruction.retry_at > ${now})
        ))`;
      };

      const result = await claim({activeTaskInstructions, connection, isActiveInstruction, limit: claimLimit, taskName});
      let values: readonly unknown[];

      if (isClaimQuery(result)) {
        const [rows] = await connection.query({rowsAsArray: true, sql: result.sql}, [...result.values ?? []]);

        values = Array.isArray(rows) ? (rows as unknown[][]).map((row) => row[0]) : [];
      } else {
        values = result;
      }

      if (values.length > claimLimit) {
        throw new UnexpectedClaimResultError(taskName, claimLimit, values, `returned ${values.length} rows, more than the limit of ${claimLimit}`);
      }

      const instructions: TaskInstruction[] = [];
      const seen = new Set<string>();

      for (const value of values) {
        const instruction = toInstruction(value);

        if (instruction === undefined) {
          throw new UnexpectedClaimResultError(taskName, claimLimit, values, `returned ${describeValue(value)}, which is not a string of well-formed Unicode (of at most 16 MiB as JSON) or a number within ±Number.MAX_SAFE_INTEGER`);
        }

        // One instruction of a task runs once at a time: 42 and '42' share the text form the tables key on.
        const key = String(instruction);

        if (!seen.has(key)) {
          seen.add(key);
          instructions.push(instruction);
        }
      }

      if (instructions.length === 0) {
        return [];
      }

      return await insertExecutions(connection, tables, {hostname, instructions, now, returning, taskId, token});
    };

    let executions: ReadonlyArray<{readonly id: number; readonly instruction: TaskInstruction}> = [];

    for (let attempt = 1; limit > recovered; attempt++) {
      try {
        executions = await withMysqlTransaction(pool, claimOnce);

        break;
      } catch (error) {
        if ((error as {readonly code?: unknown} | null)?.code !== DEADLOCK || attempt === MAXIMUM_CLAIM_ATTEMPTS) {
          if (recovery.isUncertain(error)) {
            recovery.remember(taskName, taskId, token);
          }

          throw error;
        }
      }
    }

    const claimed = executions.map(({id, instruction}) => {
      const execution: ClaimedExecution<Instruction> = {executionId: id, instruction: instruction as Instruction, taskName};

      track(execution);

      return execution;
    });

    return [...recovery.takePending(taskName, recovered), ...claimed];
  };
};
