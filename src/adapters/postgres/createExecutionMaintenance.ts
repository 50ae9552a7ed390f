import type {Logger} from 'roarr';
import type {ReportError} from '../../planton/createErrorReporter.ts';
import type {Clock, Emitter, TaskInstruction} from '../../planton/types.ts';
import {startMaintenanceLoops} from '../startMaintenanceLoops.ts';
import type {ClaimedExecution, StoreEvents, WakeReason} from '../types.ts';
import type {ExecutionTracker} from './createExecutionTracker.ts';
import type {QueryMethods} from './createPreparedStatements.ts';
import {type FailedAttempt, notifyChannels, type Tables, terminateStaleExecutions, touchExecutions} from './queries/index.ts';

const REAPER_BATCH_SIZE = 1_000;
const TERMINATED_REASON = 'last_seen_at older than maximum_execution_duration';

/** The store's background work on RUNNING executions: its heartbeat loop and its reaper. */
export type ExecutionMaintenance<Instruction extends TaskInstruction = TaskInstruction> = {
  /**
   * Terminates the RUNNING executions whose heartbeat is older than their task's limit (in batches,
   * counting a failed attempt each), notifies and wakes their tasks, emits `reaped`; resolves with them.
   */
  readonly reap: () => Promise<ReadonlyArray<ClaimedExecution<Instruction>>>;
  /** Stops both loops (each waits for its round in flight). */
  readonly stop: () => Promise<void>;
};

/**
 * Starts the store's heartbeat loop (every `heartbeatInterval`, refreshes last_seen_at of the
 * executions this store claimed and forgets those no longer RUNNING) and, unless `reaperInterval`
 * is 0, its reaper loop (reap(), every `reaperInterval`). Failures of either are reported (HEARTBEAT,
 * REAP) and the loop goes on.
 */
export const createExecutionMaintenance = <Instruction extends TaskInstruction = TaskInstruction>({clock, events, getTaskChannel, heartbeatInterval, log, reaperInterval, reportDead, reportError, statements, tables, tracker, wakeTasks}: {
  readonly clock: Clock;
  readonly events: Pick<Emitter<StoreEvents<Instruction>>, 'emit'>;
  /** The store's channel of a task. */
  readonly getTaskChannel: (taskName: string) => string;
  readonly heartbeatInterval: number;
  /** The store's logger. */
  readonly log: Logger;
  readonly reaperInterval: number;
  /** Emits `dead` for the failed attempts that made their instruction dead. */
  readonly reportDead: (attempts: readonly FailedAttempt[]) => void;
  readonly reportError: ReportError<StoreEvents<Instruction>['error']>;
  readonly statements: QueryMethods;
  readonly tables: Tables;
  readonly tracker: ExecutionTracker<Instruction>;
  /** Wakes this store's subscriptions to the tasks. */
  readonly wakeTasks: (taskNames: readonly string[], reason: WakeReason) => void;
}): ExecutionMaintenance<Instruction> => {
  const reap: ExecutionMaintenance<Instruction>['reap'] = async () => {
    const reaped: Array<ClaimedExecution<Instruction>> = [];

    for (;;) {
      const rows = await terminateStaleExecutions(statements, tables, {batchSize: REAPER_BATCH_SIZE, now: clock.now(), reason: TERMINATED_REASON});

      reportDead(rows);

      for (const row of rows) {
        tracker.forget(row.id);
        // Possibly another process's execution, in the view as read from the database.
        tracker.removeFromView(row.taskName, row.instruction);
        reaped.push({executionId: row.id, instruction: row.instruction as Instruction, taskName: row.taskName});
      }

      if (rows.length < REAPER_BATCH_SIZE) {
        break;
      }
    }

    if (reaped.length > 0) {
      const taskNames = [...new Set(reaped.map((execution) => execution.taskName))];

      log.warn({count: reaped.length, taskNames}, 'terminated executions whose heartbeat is older than their limit');
      await notifyChannels(statements, taskNames.map(getTaskChannel));
      wakeTasks(taskNames, 'REAPED');

      events.emit('reaped', {executions: reaped});
    }

    return reaped;
  };

  const beat = async () => {
    const executionIds = tracker.getClaimedExecutionIds();

    if (executionIds.length === 0) {
      return;
    }

    const running = new Set(await touchExecutions(statements, tables, {executionIds, now: clock.now()}));

    for (const executionId of executionIds) {
      if (!running.has(executionId)) {
        tracker.forget(executionId);
      }
    }
  };

  // A failed heartbeat or reap is reported (HEARTBEAT, REAP) and the loop goes on.
  const stop = startMaintenanceLoops<Instruction>({
    beat,
    clock,
    heartbeatInterval,
    reap,
    reaperInterval,
    reportError,
  });

  return {
    reap,
    stop,
  };
};
