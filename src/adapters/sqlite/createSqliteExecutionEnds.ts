import type {DatabaseSync} from 'node:sqlite';
import type {Logger} from 'roarr';
import type {Clock, Emitter, TaskInstruction} from '../../planton/types.ts';
import type {ClaimedExecution, DeadInstruction, StoreEvents, WakeReason} from '../types.ts';
import type {SqliteQueries} from './createSqliteQueries.ts';
import {endSqliteExecutions, type SqliteEnd, type SqliteFailedAttempt} from './endSqliteExecutions.ts';
import {runImmediateTransaction} from './runImmediateTransaction.ts';

const REAPER_BATCH_SIZE = 1_000;

/**
 * How the SQLite store ends executions: `end` (complete / fail, one transaction per call) and
 * `reap` (terminates the executions whose heartbeat is older than their task's limit, in batches of
 * a thousand, one transaction each, so the write lock is never held long), both reporting the
 * instructions their failed attempts made dead (`dead`), `reap` also waking the tasks and emitting
 * `reaped`.
 */
export const createSqliteExecutionEnds = <Instruction extends TaskInstruction>({clock, database, events, forget, log, queries, wakeTasks}: {
  readonly clock: Clock;
  readonly database: DatabaseSync;
  readonly events: Pick<Emitter<StoreEvents<Instruction>>, 'emit'>;
  /** Forgets an execution this store claimed. */
  readonly forget: (executionId: number) => void;
  readonly log: Logger;
  readonly queries: SqliteQueries;
  readonly wakeTasks: (taskNames: readonly string[], reason: WakeReason) => void;
}) => {
  /** Emits `dead` for the failed attempts that made their instruction dead (this process's only). */
  const reportDead = (attempts: readonly SqliteFailedAttempt[]) => {
    const instructions: Array<DeadInstruction<Instruction>> = attempts.filter((attempt) => attempt.dead).map((attempt) => ({
      attempts: attempt.attempts,
      error: attempt.error,
      executionId: attempt.id,
      instruction: attempt.instruction as Instruction,
      taskName: attempt.taskName,
    }));

    if (instructions.length > 0) {
      log.warn({instructions: instructions.map(({attempts, executionId, instruction, taskName}) => ({attempts, executionId, instruction, taskName}))}, 'instructions failed their last attempt; they are dead until revived');
      events.emit('dead', {instructions});
    }
  };

  /** Ends executions in one transaction; returns the ids it ended (those not running are skipped). */
  const end = (ends: readonly SqliteEnd[]): readonly number[] => {
    const {attempts, ended} = runImmediateTransaction(database, () => endSqliteExecutions(queries, ends, clock.now()));

    reportDead(attempts);

    return ended;
  };

  const reap = (): ReadonlyArray<ClaimedExecution<Instruction>> => {
    const reaped: Array<ClaimedExecution<Instruction>> = [];

    for (;;) {
      const attempts = runImmediateTransaction(database, () => {
        const now = clock.now();

        return endSqliteExecutions(queries, queries.selectStale(now, REAPER_BATCH_SIZE).map((id) => ({error: null, id, state: 'TERMINATED'})), now).attempts;
      });

      reportDead(attempts);

      for (const attempt of attempts) {
        forget(attempt.id);
        reaped.push({executionId: attempt.id, instruction: attempt.instruction as Instruction, taskName: attempt.taskName});
      }

      if (attempts.length < REAPER_BATCH_SIZE) {
        break;
      }
    }

    if (reaped.length > 0) {
      const taskNames = [...new Set(reaped.map((execution) => execution.taskName))];

      log.warn({count: reaped.length, taskNames}, 'terminated executions whose heartbeat is older than their limit');
      wakeTasks(taskNames, 'REAPED');
      events.emit('reaped', {executions: reaped});
    }

    return reaped;
  };

  return {end, reap};
};
