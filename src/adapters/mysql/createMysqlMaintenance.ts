import type {Pool} from 'mysql2/promise';
import type {ReportError} from '../../planton/createErrorReporter.ts';
import {Logger} from '../../planton/Logger.ts';
import type {Clock, Emitter, TaskInstruction} from '../../planton/types.ts';
import type {ExecutionTracker} from '../postgres/createExecutionTracker.ts';
import {startMaintenanceLoops} from '../startMaintenanceLoops.ts';
import type {ClaimedExecution, StoreEvents, WakeReason} from '../types.ts';
import type {MysqlTables} from './createMysqlTables.ts';
import {type EndedExecution, endExecutions, selectStaleExecutionIds, touchExecutions} from './queries/index.ts';
import {withMysqlTransaction} from './withMysqlTransaction.ts';

const log = Logger.child({
  namespace: 'createMysqlStore',
});

const REAPER_BATCH_SIZE = 1_000;
const TERMINATED_REASON = 'last_seen_at older than maximum_execution_duration';

/** The MySQL store's background work: heartbeat, reaper and polling loops. */
export type MysqlMaintenance<Instruction extends TaskInstruction = TaskInstruction> = {
  /** Terminates the RUNNING executions whose heartbeat is older than their task's limit (in batches), wakes their tasks, emits `reaped`. */
  readonly reap: () => Promise<ReadonlyArray<ClaimedExecution<Instruction>>>;
  /** Stops every loop (each waits for its round in flight). */
  readonly stop: () => Promise<void>;
};

/**
 * Starts the store's loops: the heartbeat (every `heartbeatInterval`, refreshes last_seen_at of the
 * executions this store claimed and forgets those no longer RUNNING), the reaper (every
 * `reaperInterval` unless 0) and the poll (every `pollInterval` unless 0, wakes every subscription:
 * MySQL has no notifications). Failures are reported (HEARTBEAT, REAP) and the loop goes on.
 */
export const createMysqlMaintenance = <Instruction extends TaskInstruction = TaskInstruction>({clock, events, heartbeatInterval, pollInterval, pool, reaperInterval, reportDead, reportError, tables, tracker, wakeAll, wakeTasks}: {
  readonly clock: Clock;
  readonly events: Pick<Emitter<StoreEvents<Instruction>>, 'emit'>;
  readonly heartbeatInterval: number;
  readonly pollInterval: number;
  readonly pool: Pool;
  readonly reaperInterval: number;
  readonly reportDead: (ended: readonly EndedExecution[]) => void;
  readonly reportError: ReportError<StoreEvents<Instruction>['error']>;
  readonly tables: MysqlTables;
  readonly tracker: ExecutionTracker<Instruction>;
  /** Wakes every subscription of this store. */
  readonly wakeAll: (reason: WakeReason) => void;
  /** Wakes this store's subscriptions to the tasks. */
  readonly wakeTasks: (taskNames: readonly string[], reason: WakeReason) => void;
}): MysqlMaintenance<Instruction> => {
  const reap: MysqlMaintenance<Instruction>['reap'] = async () => {
    const reaped: Array<ClaimedExecution<Instruction>> = [];

    for (;;) {
      const now = clock.now();
      const candidates = await selectStaleExecutionIds(pool, tables, {limit: REAPER_BATCH_SIZE, now});

      if (candidates.length === 0) {
        break;
      }

      // Locked with SKIP LOCKED and checked again: an execution being ended meanwhile is left to whoever ends it.
      const ended = await withMysqlTransaction(pool, async (connection) => {
        return await endExecutions(connection, tables, {ends: candidates.map((id) => ({error: null, id})), now, reason: TERMINATED_REASON, skipLocked: true, state: 'TERMINATED'});
      });

      reportDead(ended);

      for (const {id, instruction, taskName} of ended) {
        tracker.forget(id);

        if (taskName !== null) {
          tracker.removeFromView(taskName, instruction);
          reaped.push({executionId: id, instruction: instruction as Instruction, taskName});
        }
      }

      if (candidates.length < REAPER_BATCH_SIZE) {
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

  const beat = async () => {
    const executionIds = tracker.getClaimedExecutionIds();

    if (executionIds.length === 0) {
      return;
    }

    const running = new Set(await touchExecutions(pool, tables, {executionIds, now: clock.now()}));

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
    poll: () => {
      wakeAll('POLLED');
    },
    pollInterval,
    reap,
    reaperInterval,
    reportError,
  });

  return {
    reap,
    stop,
  };
};
