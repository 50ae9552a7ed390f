import type {SerializableValue} from 'slonik';
import {PlantonError} from '../../planton/errors.ts';
import type {Clock, TaskInstruction} from '../../planton/types.ts';
import {type ClaimRecovery, createClaimRecovery as createStoreClaimRecovery} from '../createClaimRecovery.ts';
import type {ExecutionTracker} from './createExecutionTracker.ts';
import type {QueryMethods} from './createPreparedStatements.ts';
import {getSqlState} from './getSqlState.ts';
import {isConnectionError} from './isConnectionError.ts';
import {failUndispatchedExecutions, selectClaimedExecutions, type Tables} from './queries/index.ts';

export type {ClaimRecovery} from '../createClaimRecovery.ts';

/** The PostgreSQL store's recovery of claims whose reply was lost (`createClaimRecovery` of src/adapters) over its statements. */
export const createClaimRecovery = <Instruction extends TaskInstruction = TaskInstruction>({clock, statements, tables, tracker}: {
  readonly clock: Clock;
  readonly statements: QueryMethods;
  readonly tables: Tables;
  readonly tracker: ExecutionTracker<Instruction>;
}): ClaimRecovery<Instruction> => createStoreClaimRecovery<Instruction>({
  clock,
  statements: {
    endUndispatched: async ({error, ...input}) => {
      const ended = await failUndispatchedExecutions(statements, tables, {error: error as SerializableValue, ...input});

      return {ended: ended.length, forget: ended};
    },
    // Planton's own errors (a claim result refused, inside its rolled-back transaction) had the answer.
    isUncertain: (error) => isConnectionError(error) || (getSqlState(error) === null && !(error instanceof PlantonError)),
    selectClaimed: async (taskId, tokens) => await selectClaimedExecutions(statements, tables, {taskId, tokens}),
  },
  tracker,
});
