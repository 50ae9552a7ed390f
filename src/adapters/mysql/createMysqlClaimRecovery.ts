import {PlantonError} from '../../planton/errors.ts';
import type {Clock, TaskInstruction} from '../../planton/types.ts';
import {type ClaimRecovery, createClaimRecovery} from '../createClaimRecovery.ts';
import type {ExecutionTracker} from '../postgres/createExecutionTracker.ts';
import type {MysqlTables} from './createMysqlTables.ts';
import {decodeInstruction} from './encodeInstruction.ts';
import {isMysqlConnectionError} from './isMysqlConnectionError.ts';
import {isRunning, runStatement, selectRows, toId} from './queries/rows.ts';
import type {MysqlQueryable} from './types.ts';

/** The MySQL store's recovery of claims whose reply was lost (the connection cut after the COMMIT reached the server, before its answer did): `createClaimRecovery` over its statements. */
export const createMysqlClaimRecovery = <Instruction extends TaskInstruction = TaskInstruction>({clock, connection, tables, tracker}: {
  readonly clock: Clock;
  readonly connection: MysqlQueryable;
  readonly tables: MysqlTables;
  readonly tracker: ExecutionTracker<Instruction>;
}): ClaimRecovery<Instruction> => createClaimRecovery<Instruction>({
  clock,
  statements: {
    endUndispatched: async ({error, executionIds, now, taskIds, tokens}) => {
      const header = await runStatement(connection, `
        UPDATE ${tables.execution}
        SET state = 'FAILED', ended_at = ?, error = ?
        WHERE maintenance_task_id IN (?) AND ${isRunning()} AND (claim_token IN (?) OR id IN (?))
      `, [
        now,
        JSON.stringify(error),
        taskIds,
        // IN () is not SQL: a value no token or id has stands in for an empty list.
        tokens.length === 0 ? [''] : tokens,
        executionIds.length === 0 ? [0] : executionIds,
      ]);

      return {ended: header.affectedRows, forget: executionIds};
    },
    // The server's own errors (ER_…) and Planton's (a claim result refused) came with the answer: rolled back.
    isUncertain: (error) => {
      const code = (error as {readonly code?: unknown} | null)?.code;

      return isMysqlConnectionError(error) || (!(typeof code === 'string' && code.startsWith('ER_')) && !(error instanceof PlantonError));
    },
    selectClaimed: async (taskId, tokens) => {
      const rows = await selectRows(connection, `
        SELECT id, instruction FROM ${tables.execution}
        WHERE maintenance_task_id = ? AND ${isRunning()} AND claim_token IN (?)
        ORDER BY id
      `, [taskId, tokens]);

      return rows.map((row) => ({id: toId(row.id), instruction: decodeInstruction(row.instruction) as TaskInstruction}));
    },
  },
  tracker,
});
