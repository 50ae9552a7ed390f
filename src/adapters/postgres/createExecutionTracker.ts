import type {TaskInstruction} from '../../planton/types.ts';

/** What the PostgreSQL store remembers of executions between statements (no I/O here). */
export type ExecutionTracker<Instruction extends TaskInstruction = TaskInstruction> = {
  /** The claim's count differed from the view's (another process claimed or ended executions): read again next round. */
  readonly distrust: (taskName: string, databaseCount: number) => void;
  /** An execution this store claimed ended (or was found ended). */
  readonly forget: (executionId: number) => void;
  /** The id of the RUNNING execution this store claimed for the instruction, if any. */
  readonly getClaimedExecutionId: (taskName: string, instruction: TaskInstruction) => number | undefined;
  /**
   * The view, when it can stand in for a query: trusted, the claim combined, the concurrency known
   * and not reached (a full task is always confirmed by the database, so a stale view never stalls it).
   */
  readonly getActiveFromMemory: (taskName: string) => readonly Instruction[] | null;
  /** The executions this store claimed and has not seen end: what its heartbeat touches. */
  readonly getClaimedExecutionIds: () => readonly number[];
  /** An instruction that is no longer active (ended by reference, or reaped, possibly another process's execution). */
  readonly removeFromView: (taskName: string, instruction: TaskInstruction) => void;
  /** The task's active instructions as just read from the database: the view is trusted again. */
  readonly setView: (taskName: string, instructions: readonly Instruction[]) => void;
  /** The task's concurrency as the engine gave it with a claim. */
  readonly setConcurrency: (taskName: string, concurrency: number) => void;
  /** An execution this store claimed. */
  readonly track: (taskName: string, instruction: TaskInstruction, executionId: number) => void;
  /** The task's claims go the separate way (whose result the view cannot be checked against): its active instructions are always read from the database. */
  readonly useSeparateClaims: (taskName: string) => void;
};

const toKey = (taskName: string, instruction: TaskInstruction): string => {
  return JSON.stringify([taskName, instruction]);
};

/**
 * The store's memory of executions: those it claimed and has not seen end (instruction ⇄ execution
 * id), and per task a view of the active instructions as it last read them, plus what it claimed
 * and minus what it ended since. While a view is trusted, getActiveTaskInstructions answers from it
 * without a query (the claim that follows has the database enforce the task's concurrency, PT002,
 * whatever the view said). `activeFromMemory: false` never answers from memory.
 */
export const createExecutionTracker = <Instruction extends TaskInstruction = TaskInstruction>({activeFromMemory}: {readonly activeFromMemory: boolean}): ExecutionTracker<Instruction> => {
  const claimedByKey = new Map<string, number>();
  const claimedById = new Map<number, {readonly key: string; readonly taskName: string}>();
  const views = new Map<string, {concurrency: number | null; readonly instructions: Map<string, Instruction>; trusted: boolean}>();
  const separateTasks = new Set<string>();

  return {
    distrust: (taskName, databaseCount) => {
      const view = views.get(taskName);

      if (view !== undefined && databaseCount !== view.instructions.size) {
        view.trusted = false;
      }
    },
    forget: (executionId) => {
      const claimed = claimedById.get(executionId);

      if (claimed !== undefined) {
        claimedById.delete(executionId);
        claimedByKey.delete(claimed.key);
        views.get(claimed.taskName)?.instructions.delete(claimed.key);
      }
    },
    getActiveFromMemory: (taskName) => {
      const view = views.get(taskName);

      if (!activeFromMemory || view === undefined || !view.trusted || view.concurrency === null || view.instructions.size >= view.concurrency || separateTasks.has(taskName)) {
        return null;
      }

      return [...view.instructions.values()];
    },
    getClaimedExecutionId: (taskName, instruction) => {
      return claimedByKey.get(toKey(taskName, instruction));
    },
    getClaimedExecutionIds: () => [...claimedById.keys()],
    removeFromView: (taskName, instruction) => {
      views.get(taskName)?.instructions.delete(toKey(taskName, instruction));
    },
    setConcurrency: (taskName, concurrency) => {
      const view = views.get(taskName);

      if (view !== undefined) {
        view.concurrency = concurrency;
      }
    },
    setView: (taskName, instructions) => {
      views.set(taskName, {
        concurrency: views.get(taskName)?.concurrency ?? null,
        instructions: new Map(instructions.map((instruction) => [toKey(taskName, instruction), instruction])),
        trusted: true,
      });
    },
    track: (taskName, instruction, executionId) => {
      const key = toKey(taskName, instruction);

      claimedByKey.set(key, executionId);
      claimedById.set(executionId, {key, taskName});
      views.get(taskName)?.instructions.set(key, instruction as Instruction);
    },
    useSeparateClaims: (taskName) => {
      separateTasks.add(taskName);
    },
  };
};
