/**
 * The in-process processor: runs a handler for each `task` event of a Planton whose tasks claim
 * through a store, and records each outcome in that store. Store-agnostic: it needs only the calls
 * below, which every store has (the batch forms are optional).
 */
import type {PlantonError} from '../../planton/errors.ts';
import type {Clock, Emitter, Planton, TaskInstruction} from '../../planton/types.ts';
import type {CompleteExecutions} from '../sinks/types.ts';
import type {FailExecutions, Store} from '../types.ts';

export type ProcessorHandlerContext = {
  /** The execution the store claimed for the instruction, or `null` when the store did not say. */
  readonly executionId: number | null;
  /** Aborts when `stop()` has waited `stopTimeout` for the handler: stop the work; its outcome is no longer recorded. */
  readonly signal: AbortSignal;
  readonly taskName: string;
};

/** Does the work of one instruction. Resolving completes its execution; throwing or rejecting fails it (the error is stored, serialized). */
export type ProcessorHandler<Instruction extends TaskInstruction = TaskInstruction> = (
  instruction: Instruction,
  context: ProcessorHandlerContext,
) => Promise<unknown> | unknown;

export type ProcessorBatchHandlerContext = {
  /** Aborts when `stop()` has waited `stopTimeout` for the handler: stop the work; its outcome is no longer recorded. */
  readonly signal: AbortSignal;
  readonly taskName: string;
};

/**
 * Does the work of the instructions of one task that arrived together (one statement for all of
 * them, e.g. `DELETE … WHERE id = ANY(…)`). Resolving with nothing completes every execution;
 * resolving with a map from instruction to error fails those (the others complete); throwing or
 * rejecting fails them all with the error.
 */
export type ProcessorBatchHandler<Instruction extends TaskInstruction = TaskInstruction> = (
  instructions: readonly Instruction[],
  context: ProcessorBatchHandlerContext,
) => Promise<ReadonlyMap<Instruction, unknown> | void> | ReadonlyMap<Instruction, unknown> | void;

/** A task whose instructions are handled in batches rather than one by one. */
export type ProcessorBatchHandling<Instruction extends TaskInstruction = TaskInstruction> = {
  readonly batch: ProcessorBatchHandler<Instruction>;
  /**
   * Most instructions in one `batch` call. The instructions that arrive together (a round's claim)
   * form a batch; no timer. Each instruction still takes one of the processor's `concurrency` slots.
   * @default 100
   */
  readonly batchSize?: number;
};

/**
 * The part of a store a processor uses. With the batch forms (the PostgreSQL store has both), the
 * outcomes that arrive together are written with one statement each for completions and failures;
 * without them, with one call per execution. Without `getClaimedExecutionId`, executions are
 * referred to by task name and instruction.
 */
export type ProcessorStore<Instruction extends TaskInstruction = TaskInstruction> =
  Pick<Store<Instruction, unknown>, 'completeExecution' | 'failExecution'> &
  Partial<Pick<Store<Instruction, unknown>, 'getClaimedExecutionId'>> &
  {
    readonly completeExecutions?: CompleteExecutions<Instruction>;
    readonly failExecutions?: FailExecutions<Instruction>;
  };

export type ProcessorConfiguration<Instruction extends TaskInstruction = TaskInstruction> = {
  /**
   * Where time comes from: the store retries' delays and `stopTimeout`.
   * @default the system clock
   */
  readonly clock?: Clock;
  /**
   * Most outcomes written in one `completeExecutions` (or `failExecutions`) call. Outcomes are
   * grouped while the previous write is in flight (no timer).
   * @default 1_000
   */
  readonly completionBatchSize?: number;
  /**
   * Writes in flight at once.
   * @default 2
   */
  readonly completionConcurrency?: number;
  /**
   * Handlers running at once, across tasks; further instructions wait in memory, in order. The
   * tasks' own `concurrency` already bounds how many instructions are claimed and not yet recorded.
   * @default Infinity
   */
  readonly concurrency?: number;
  /**
   * One handler per task name: a function run for each instruction, or `{batch}` run for the
   * instructions that arrive together. An instruction of a task without one is failed
   * (`PROCESSOR_HANDLER_MISSING`).
   */
  readonly handlers: Readonly<Record<string, ProcessorBatchHandling<Instruction> | ProcessorHandler<Instruction>>>;
  /**
   * The engine whose `task` events are processed, created with the store's
   * `getActiveTaskInstructions` and `createSchedule`. Its task is triggered after recorded
   * outcomes, so freed slots are filled at once rather than after the task's delay; not when its
   * `getStats()` says the last round had free slots and found nothing (an extra round would find
   * nothing either).
   */
  readonly planton: Pick<Planton<Instruction>, 'events' | 'trigger'> & Partial<Pick<Planton<Instruction>, 'getStats'>>;
  /**
   * How long `stop()` waits for handlers (running and waiting for a slot) and for failing writes to
   * succeed, in milliseconds. Then handlers' `signal` aborts, the executions of unfinished ones are
   * released (failed with `PROCESSOR_STOPPED`, scheduled again) and failing writes are given up;
   * outcomes still being written 5 s later are abandoned (`PROCESSOR_OUTCOMES_ABANDONED` on
   * `error`, the reaper frees their executions), so `stop()` resolves within `stopTimeout` + 5 s.
   * @default 10_000
   */
  readonly stopTimeout?: number;
  /** The store `planton` claims through, where outcomes are recorded. */
  readonly store: ProcessorStore<Instruction>;
};

/** An instruction as the processor saw it. */
export type ProcessedInstruction<Instruction extends TaskInstruction = TaskInstruction> = {
  readonly executionId: number | null;
  readonly instruction: Instruction;
  readonly taskName: string;
};

export type ProcessorEvents<Instruction extends TaskInstruction = TaskInstruction> = {
  /** The handler resolved and the execution was recorded COMPLETED (or had already ended: reaped, ended elsewhere). */
  readonly completed: ProcessedInstruction<Instruction>;
  /** A failure of the processor itself (a store write, a missing handler, an instruction after `stop()`); it keeps running. */
  readonly error: {readonly error: PlantonError};
  /** The handler threw; the execution was recorded FAILED with the error (or had already ended). */
  readonly failed: ProcessedInstruction<Instruction> & {readonly error: unknown};
};

export type ProcessorStats = {
  /** Executions recorded COMPLETED. */
  readonly completed: number;
  /** Executions recorded FAILED because their handler threw. */
  readonly failed: number;
  /** Instructions received whose outcome is not recorded yet (waiting for a slot, running, or being written). */
  readonly inFlight: number;
};

export type Processor<Instruction extends TaskInstruction = TaskInstruction> = {
  readonly events: Emitter<ProcessorEvents<Instruction>>;
  readonly getStats: () => ProcessorStats;
  /**
   * Stops taking instructions and resolves once every instruction received so far is handled and
   * recorded, or released after `stopTimeout` (see it: at most 5 s later it resolves regardless,
   * reporting `PROCESSOR_OUTCOMES_ABANDONED` if store calls are still pending). Terminate the Planton first (`await
   * planton.terminate()`), so every instruction it claims reaches the processor: one that arrives
   * during `stop()` is released (`PROCESSOR_STOPPED` on `error`), and after `stop()` it is not
   * received at all (its execution stays RUNNING until the reaper frees it). Safe to call twice.
   */
  readonly stop: () => Promise<void>;
};
