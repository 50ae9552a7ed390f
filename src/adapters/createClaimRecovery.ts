import {Logger} from '../planton/Logger.ts';
import {serializeUserError} from '../planton/serializeUserError.ts';
import type {Clock, TaskInstruction} from '../planton/types.ts';
import {UndispatchedClaimError} from './errors.ts';
import type {ExecutionTracker} from './postgres/createExecutionTracker.ts';
import type {ClaimedExecution} from './types.ts';

const log = Logger.child({
  namespace: 'createClaimRecovery',
});

/** What a claim whose reply was lost left behind, for the store to dispatch or end. */
export type ClaimRecovery<Instruction extends TaskInstruction = TaskInstruction> = {
  /**
   * Ends as FAILED (UNDISPATCHED_CLAIM) what the store never dispatched: the executions of claims
   * whose outcome it does not know and those it recovered and still holds. One statement, given at
   * most `timeout` milliseconds: what it does not end then is left to the reaper. Never rejects.
   */
  readonly abandon: (timeout: number) => Promise<void>;
  /** How many recovered executions of the task wait to be returned by a claim. */
  readonly countPending: (taskName: string) => number;
  /** `instructions` without the task's recovered executions that wait to be returned by a claim: those are not active for the engine yet. */
  readonly excludePending: (taskName: string, instructions: readonly Instruction[]) => readonly Instruction[];
  /**
   * Looks up the task's claims whose outcome is unknown, when there are any (one statement; none
   * otherwise). What they committed is tracked (heartbeated) and held for the next claim; their
   * tokens are dropped either way (nothing found: the claim did not commit). A lookup that fails
   * keeps them and rejects.
   */
  readonly recover: (taskName: string) => Promise<void>;
  /** Whether a claim that failed with `error` may have committed: the connection failed, or the error came neither from the server nor from Planton. */
  readonly isUncertain: (error: unknown) => boolean;
  /** A claim of the task whose outcome is unknown, by the token its executions carry. */
  readonly remember: (taskName: string, taskId: number, token: string) => void;
  /** Takes up to `count` of the task's recovered executions, oldest first: the claim returns them. */
  readonly takePending: (taskName: string, count: number) => ReadonlyArray<ClaimedExecution<Instruction>>;
};

/** The statements a store gives the recovery, in its own SQL. */
export type ClaimRecoveryStatements = {
  /**
   * Ends as FAILED with `error` the RUNNING executions of `taskIds` that carry one of `tokens` or
   * whose id is one of `executionIds`; resolves how many it ended and the ids the tracker forgets.
   */
  readonly endUndispatched: (input: {
    readonly error: unknown;
    readonly executionIds: readonly number[];
    readonly now: number;
    readonly taskIds: readonly number[];
    readonly tokens: readonly string[];
  }) => Promise<{readonly ended: number; readonly forget: readonly number[]}>;
  /** Whether a claim that failed with `error` may have committed (see `ClaimRecovery.isUncertain`). */
  readonly isUncertain: (error: unknown) => boolean;
  /** The task's RUNNING executions that carry one of `tokens`, by id. */
  readonly selectClaimed: (taskId: number, tokens: readonly string[]) => Promise<ReadonlyArray<{readonly id: number; readonly instruction: TaskInstruction}>>;
};

type TaskState<Instruction extends TaskInstruction> = {
  lookup: Promise<void> | null;
  readonly pending: Array<ClaimedExecution<Instruction>>;
  readonly taskId: number;
  readonly tokens: Set<string>;
};

/**
 * A store's recovery of claims whose reply was lost (the connection cut after the commit, before
 * the reply arrived): each claim writes its token on its executions, a claim that fails without an
 * answer from the server keeps it, and the task's next round looks it up and dispatches what it
 * finds, once, instead of leaving it RUNNING until the reaper. The PostgreSQL and MySQL stores give
 * it their statements.
 */
export const createClaimRecovery = <Instruction extends TaskInstruction = TaskInstruction>({clock, statements, tracker}: {
  readonly clock: Clock;
  readonly statements: ClaimRecoveryStatements;
  readonly tracker: ExecutionTracker<Instruction>;
}): ClaimRecovery<Instruction> => {
  const tasks = new Map<string, TaskState<Instruction>>();

  const lookUp = async (taskName: string, state: TaskState<Instruction>) => {
    const tokens = [...state.tokens];
    const rows = await statements.selectClaimed(state.taskId, tokens);

    for (const token of tokens) {
      state.tokens.delete(token);
    }

    for (const {id, instruction} of rows) {
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
      const pending = [...tasks.values()].flatMap((state) => state.pending);

      if (tokens.length === 0 && pending.length === 0) {
        return;
      }

      const taskNames = [...tasks.keys()];
      const stop = new AbortController();
      const work = statements.endUndispatched({
        error: serializeUserError(new UndispatchedClaimError()),
        executionIds: pending.map((execution) => execution.executionId),
        now: clock.now(),
        taskIds: [...tasks.values()].map((state) => state.taskId),
        tokens,
      }).then(({ended, forget}) => {
        for (const executionId of forget) {
          tracker.forget(executionId);
        }

        tasks.clear();
        log.warn({ended, taskNames}, 'ended the executions of lost claim replies that were never dispatched');
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
    isUncertain: statements.isUncertain,
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
