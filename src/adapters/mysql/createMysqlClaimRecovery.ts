import {Logger} from '../../planton/Logger.ts';
import {PlantonError} from '../../planton/errors.ts';
import {serializeUserError} from '../../planton/serializeUserError.ts';
import type {Clock, TaskInstruction} from '../../planton/types.ts';
import type {ExecutionTracker} from '../postgres/createExecutionTracker.ts';
import {UndispatchedClaimError} from '../errors.ts';
import type {ClaimedExecution} from '../types.ts';
import type {MysqlTables} from './createMysqlTables.ts';
import {decodeInstruction} from './encodeInstruction.ts';
import {isMysqlConnectionError} from './isMysqlConnectionError.ts';
import {isRunning, runStatement, selectRows, toId} from './queries/rows.ts';
import type {MysqlQueryable} from './types.ts';

const log = Logger.child({
  namespace: 'createMysqlClaimRecovery',
});

/** What a claim whose reply was lost left behind, for the MySQL store to dispatch or end (the PostgreSQL store's ClaimRecovery). */
export type MysqlClaimRecovery<Instruction extends TaskInstruction = TaskInstruction> = {
  /**
   * Ends as FAILED (UNDISPATCHED_CLAIM) what the store never dispatched: the executions of claims
   * whose outcome it does not know and those it recovered and still holds. One statement, given at
   * most `timeout` milliseconds: what it does not end then is left to the reaper. Never rejects.
   */
  readonly abandon: (timeout: number) => Promise<void>;
  /** How many recovered executions of the task wait to be returned by a claim. */
  readonly countPending: (taskName: string) => number;
  /** `instructions` without the task's recovered executions that wait to be returned by a claim. */
  readonly excludePending: (taskName: string, instructions: readonly Instruction[]) => readonly Instruction[];
  /** Whether a claim that failed with `error` may have committed: the connection failed (its COMMIT's reply may be what was lost), or the error came neither from the server nor from Planton. */
  readonly isUncertain: (error: unknown) => boolean;
  /**
   * Looks up the task's claims whose outcome is unknown, when there are any (one statement). What
   * they committed is tracked (heartbeated) and held for the next claim; their tokens are dropped
   * either way. A lookup that fails keeps them and rejects.
   */
  readonly recover: (taskName: string) => Promise<void>;
  /** A claim of the task whose outcome is unknown, by the token its executions carry. */
  readonly remember: (taskName: string, taskId: number, token: string) => void;
  /** Takes up to `count` of the task's recovered executions, oldest first: the claim returns them. */
  readonly takePending: (taskName: string, count: number) => ReadonlyArray<ClaimedExecution<Instruction>>;
};

type TaskState<Instruction extends TaskInstruction> = {
  lookup: Promise<void> | null;
  readonly pending: Array<ClaimedExecution<Instruction>>;
  readonly taskId: number;
  readonly tokens: Set<string>;
};

/**
 * The MySQL store's recovery of claims whose reply was lost (the connection cut after the COMMIT
 * reached the server, before its answer did): each claim writes its token on its executions, a
 * claim that fails on the connection keeps it, and the task's next round looks it up and
 * dispatches what it finds, once, instead of leaving it RUNNING until the reaper.
 */
export const createMysqlClaimRecovery = <Instruction extends TaskInstruction = TaskInstruction>({clock, connection, tables, tracker}: {
  readonly clock: Clock;
  readonly connection: MysqlQueryable;
  readonly tables: MysqlTables;
  readonly tracker: ExecutionTracker<Instruction>;
}): MysqlClaimRecovery<Instruction> => {
  const tasks = new Map<string, TaskState<Instruction>>();

  const lookUp = async (taskName: string, state: TaskState<Instruction>) => {
    const tokens = [...state.tokens];
    const rows = await selectRows(connection, `
      SELECT id, instruction FROM ${tables.execution}
      WHERE maintenance_task_id = ? AND ${isRunning()} AND claim_token IN (?)
      ORDER BY id
    `, [state.taskId, tokens]);

    for (const token of tokens) {
      state.tokens.delete(token);
    }

    for (const row of rows) {
      const id = toId(row.id);
      const instruction = decodeInstruction(row.instruction);

      // Already recovered (by an earlier lookup of the same token): held once.
      if (tracker.getClaimedExecutionId(taskName, instruction) !== id) {
        tracker.track(taskName, instruction, id);
        state.pending.push({executionId: id, instruction: instruction as Instruction, taskName});
      }
    }

    log.warn({found: rows.length, taskName, tokens: tokens.length}, 'looked up claims whose reply was lost');
  };

  return {
    abandon: async (timeout) => {
      const tokens = [...tasks.values()].flatMap((state) => [...state.tokens]);
      const pending = [...tasks.values()].flatMap((state) => state.pending.map((execution) => execution.executionId));

      if (tokens.length === 0 && pending.length === 0) {
        return;
      }

      const taskNames = [...tasks.keys()];
      const stop = new AbortController();
      const work = runStatement(connection, `
        UPDATE ${tables.execution}
        SET state = 'FAILED', ended_at = ?, error = ?
        WHERE maintenance_task_id IN (?) AND ${isRunning()} AND (claim_token IN (?) OR id IN (?))
      `, [
        clock.now(),
        JSON.stringify(serializeUserError(new UndispatchedClaimError())),
        [...tasks.values()].map((state) => state.taskId),
        // IN () is not SQL: a value no token or id has stands in for an empty list.
        tokens.length === 0 ? [''] : tokens,
        pending.length === 0 ? [0] : pending,
      ]).then((header) => {
        for (const executionId of pending) {
          tracker.forget(executionId);
        }

        tasks.clear();
        log.warn({ended: header.affectedRows, taskNames}, 'ended the executions of lost claim replies that were never dispatched');
      }, (error: unknown) => {
        log.warn({error: String(error), taskNames}, 'could not end the executions of lost claim replies: the reaper will');
      }).finally(() => {
        stop.abort();
      });

      await Promise.race([work, clock.sleep(timeout, stop.signal)]);
    },
    countPending: (taskName) => tasks.get(taskName)?.pending.length ?? 0,
    excludePending: (taskName, instructions) => {
      const pending = tasks.get(taskName)?.pending;

      if (pending === undefined || pending.length === 0) {
        return instructions;
      }

      const held = new Set(pending.map((execution) => JSON.stringify(execution.instruction)));

      return instructions.filter((instruction) => !held.has(JSON.stringify(instruction)));
    },
    // The server's own errors (ER_…) and Planton's (a claim result refused) came with the answer: rolled back.
    isUncertain: (error) => {
      const code = (error as {readonly code?: unknown} | null)?.code;

      return isMysqlConnectionError(error) || (!(typeof code === 'string' && code.startsWith('ER_')) && !(error instanceof PlantonError));
    },
    recover: async (taskName) => {
      const state = tasks.get(taskName);

      if (state === undefined || state.tokens.size === 0) {
        return;
      }

      // One lookup at a time per task: a second caller waits for the first's.
      state.lookup ??= lookUp(taskName, state).finally(() => {
        state.lookup = null;
      });

      await state.lookup;
    },
    remember: (taskName, taskId, token) => {
      const state = tasks.get(taskName) ?? {lookup: null, pending: [], taskId, tokens: new Set<string>()};

      state.tokens.add(token);
      tasks.set(taskName, state);
    },
    takePending: (taskName, count) => {
      return tasks.get(taskName)?.pending.splice(0, count) ?? [];
    },
  };
};
