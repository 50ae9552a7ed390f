import type {Clock, TaskInstruction} from '../../planton/types.ts';
import type {DispatchStore, SummarizeExecutions} from '../types.ts';
import type {MemoryDispatchDatabase} from './createMemoryDispatchDatabase.ts';

export type MemoryClaimContext<Instruction extends TaskInstruction = TaskInstruction> = {
  /** The active instructions the engine saw at the start of the round (empty when called directly). */
  readonly activeTaskInstructions: readonly Instruction[];
  /**
   * Whether the instruction has a RUNNING execution of this task, waits out the backoff after a
   * failed attempt (`retryDelay`), or is dead (`maxAttempts` failed attempts): a claim skips it.
   */
  readonly isActiveInstruction: (instruction: Instruction) => boolean;
  readonly limit: number;
  readonly taskName: string;
};

/**
 * Returns at most `limit` instructions (strings or finite numbers) to claim, e.g. the ids of the
 * user's pending rows for which `isActiveInstruction` is false. The store records them as RUNNING
 * executions at once after it resolves (no other claim of the database runs in between), dropping
 * those another store claimed while it ran.
 */
export type MemoryClaim<Instruction extends TaskInstruction = TaskInstruction> = (context: MemoryClaimContext<Instruction>) => Promise<readonly Instruction[]> | readonly Instruction[];

export type MemoryStoreConfiguration = {
  /**
   * Where time comes from: heartbeats, ends, the backoff after a failed attempt, the reaper's limit.
   * @default the system clock
   */
  readonly clock?: Clock;
  /**
   * The executions, tasks and failed attempts the store keeps. Stores given the same database
   * share them as processes share a database: a claim of one counts for the others' concurrency,
   * one store's reaper finds another's stopped heartbeats, `notifyTask` wakes all their subscribers.
   * @default a database of its own (`createMemoryDispatchDatabase()`)
   */
  readonly database?: MemoryDispatchDatabase;
  /**
   * How often executions claimed by this store are marked alive (milliseconds).
   * @default 10_000
   */
  readonly heartbeatInterval?: number;
  /**
   * How often the reaper runs (milliseconds); `0` disables the loop (call `reap()` yourself).
   * @default 10_000
   */
  readonly reaperInterval?: number;
};

export type MemoryStore<Instruction extends TaskInstruction = TaskInstruction> = DispatchStore<Instruction, MemoryClaim<Instruction>> & {
  /** Counts ends among the latest 100 000 the database remembers (and the latest 1 000 terminations of each task). */
  readonly summarizeExecutions: SummarizeExecutions;
};
