import type {JsonValue} from '../../planton/serializeUserError.ts';
import type {TaskInstruction} from '../../planton/types.ts';
import {validateTaskDefinition} from '../postgres/validatePostgresStoreConfiguration.ts';
import type {ExecutionSummary, TaskDefinition, WakeReason} from '../types.ts';

type TaskSettings = ReturnType<typeof validateTaskDefinition>;

/** A RUNNING execution; ended ones are dropped (what outlives them is in the instruction's failed attempts). */
type RunningExecution = {
  readonly id: number;
  readonly instruction: TaskInstruction;
  lastSeenAt: number;
  readonly taskName: string;
};

/** An instruction's failed attempts since its last completion (`maintenance_task_instruction_retry` on PostgreSQL). */
type FailedAttempts = {
  readonly attempts: number;
  readonly taskName: string;
  readonly deadAt: number | null;
  readonly error: unknown;
  readonly executionId: number;
  readonly retryAt: number;
};

/** An ended execution, as `summarize` counts it. */
type EndedExecution = {
  readonly endedAt: number;
  readonly id: number;
  readonly instruction: TaskInstruction;
  readonly state: 'COMPLETED' | 'FAILED' | 'TERMINATED';
  readonly taskName: string;
};

/** The ends the database remembers for `summarize`: the latest, older ones are forgotten. */
export const REMEMBERED_ENDS = 100_000;

/** What ending an execution FAILED or TERMINATED did to its instruction. */
export type FailedAttempt = {
  readonly attempts: number;
  /** This failure made the instruction dead (its `maxAttempts`-th). */
  readonly dead: boolean;
  readonly error: unknown;
  readonly executionId: number;
  readonly instruction: TaskInstruction;
  readonly taskName: string;
};

/**
 * The shared state of memory stores (`createMemoryStore({database})`): what a database holds for
 * the PostgreSQL store. Opaque: pass it to several stores to have them act as processes on one
 * database. Its functions are synchronous, so each is atomic with respect to every store on it.
 */
export type MemoryDispatchDatabase = {
  /** Ends a RUNNING execution: `null` when it is not running; for FAILED/TERMINATED, the failed attempt it counted. */
  readonly end: (executionId: number, state: 'COMPLETED' | 'FAILED' | 'TERMINATED', error: JsonValue | null, now: number) => {readonly failed: FailedAttempt | null; readonly execution: RunningExecution} | null;
  /** The RUNNING execution with this id, or of this instruction of this task. */
  readonly findRunning: (reference: {readonly executionId: number} | {readonly instruction: TaskInstruction; readonly taskName: string}) => RunningExecution | null;
  /** The instructions of the task's RUNNING executions, oldest first. */
  readonly getActiveInstructions: (taskName: string) => readonly TaskInstruction[];
  /** The task's settings (defaults when it was never registered). */
  readonly getTask: (taskName: string) => TaskSettings;
  /** Running, waiting out its backoff at `now`, or dead. */
  readonly isActiveInstruction: (taskName: string, instruction: TaskInstruction, now: number) => boolean;
  /** Calls every subscriber of the task, of every store on the database. */
  readonly notify: (taskName: string, reason: WakeReason) => void;
  /** Records RUNNING executions for the instructions, within the task's `capacity` running in all (`null`: no cap); skips those running already. */
  readonly record: (taskName: string, instructions: readonly TaskInstruction[], capacity: number | null, now: number) => readonly RunningExecution[];
  /** Creates the task's settings if it has none. */
  readonly registerTask: (definition: TaskDefinition) => void;
  /** The RUNNING executions whose heartbeat is older than their task's `maxExecutionDuration` at `now`. */
  readonly selectStale: (now: number) => readonly RunningExecution[];
  /** The store's `summarizeExecutions`: ends at or after `since` among the last `REMEMBERED_ENDS`. */
  readonly summarize: (since: number, recentLimit: number) => ExecutionSummary;
  /** Registers a wake-up callback; returns its removal. */
  readonly subscribe: (taskName: string, onWake: (reason: WakeReason) => void) => () => void;
};

/** `1` and `'1'` are different instructions (as jsonb keeps them on PostgreSQL). */
const keyOf = (taskName: string, instruction: TaskInstruction) => JSON.stringify([taskName, instruction]);

/** A fresh, empty memory database for `createMemoryStore({database})`. */
export const createMemoryDispatchDatabase = (): MemoryDispatchDatabase => {
  const tasks = new Map<string, TaskSettings>();
  const running = new Map<number, RunningExecution>();
  const runningByInstruction = new Map<string, RunningExecution>();
  const failedAttempts = new Map<string, FailedAttempts>();
  const subscribers = new Set<{readonly onWake: (reason: WakeReason) => void; readonly taskName: string}>();
  /** Ends in the order they happened, at most REMEMBERED_ENDS (older ones dropped in chunks). */
  let ends: EndedExecution[] = [];
  /** Terminations of each task, in order: kept apart from `ends` so that none is forgotten. */
  const terminations = new Map<string, EndedExecution[]>();
  let nextId = 1;

  const getTask = (taskName: string) => {
    return tasks.get(taskName) ?? validateTaskDefinition({name: taskName});
  };

  const registerTask = (definition: TaskDefinition) => {
    const settings = validateTaskDefinition(definition);

    if (!tasks.has(settings.taskName)) {
      tasks.set(settings.taskName, settings);
    }
  };

  const countRunning = (taskName: string) => {
    let count = 0;

    for (const execution of running.values()) {
      if (execution.taskName === taskName) {
        count++;
      }
    }

    return count;
  };

  return {
    end: (executionId, state, error, now) => {
      const execution = running.get(executionId);

      if (execution === undefined) {
        return null;
      }

      const key = keyOf(execution.taskName, execution.instruction);

      running.delete(executionId);
      runningByInstruction.delete(key);

      const ended: EndedExecution = {endedAt: now, id: executionId, instruction: execution.instruction, state, taskName: execution.taskName};

      ends.push(ended);

      if (ends.length > REMEMBERED_ENDS * 1.1) {
        ends = ends.slice(-REMEMBERED_ENDS);
      }

      if (state === 'TERMINATED') {
        const ofTask = terminations.get(execution.taskName) ?? [];

        ofTask.push(ended);
        // Only the latest few are ever read (`recentLimit` is at most 1000).
        terminations.set(execution.taskName, ofTask.length > 2_000 ? ofTask.slice(-1_000) : ofTask);
      }

      if (state === 'COMPLETED') {
        failedAttempts.delete(key);

        return {execution, failed: null};
      }

      const task = getTask(execution.taskName);
      const previous = failedAttempts.get(key);
      const attempts = (previous?.attempts ?? 0) + 1;
      const dead = (previous?.deadAt ?? null) === null && attempts >= task.maxAttempts;
      const backoff = Math.min(task.maxRetryDelay, task.retryDelay * 2 ** Math.min(attempts - 1, 30));

      failedAttempts.set(key, {attempts, taskName: execution.taskName, deadAt: previous?.deadAt ?? (dead ? now : null), error, executionId, retryAt: now + backoff});

      return {execution, failed: {attempts, dead, error, executionId, instruction: execution.instruction, taskName: execution.taskName}};
    },
    findRunning: (reference) => {
      if ('executionId' in reference) {
        return running.get(reference.executionId) ?? null;
      }

      return runningByInstruction.get(keyOf(reference.taskName, reference.instruction)) ?? null;
    },
    getActiveInstructions: (taskName) => {
      return [...running.values()].filter((execution) => execution.taskName === taskName).map((execution) => execution.instruction);
    },
    getTask,
    isActiveInstruction: (taskName, instruction, now) => {
      const key = keyOf(taskName, instruction);
      const failed = failedAttempts.get(key);

      return runningByInstruction.has(key) || (failed !== undefined && (failed.deadAt !== null || failed.retryAt > now));
    },
    notify: (taskName, reason) => {
      for (const subscriber of [...subscribers]) {
        if (subscriber.taskName === taskName) {
          subscriber.onWake(reason);
        }
      }
    },
    record: (taskName, instructions, capacity, now) => {
      registerTask({name: taskName});

      let room = capacity === null ? Number.POSITIVE_INFINITY : capacity - countRunning(taskName);
      const recorded: RunningExecution[] = [];

      for (const instruction of instructions) {
        const key = keyOf(taskName, instruction);

        if (room <= 0) {
          break;
        }

        if (!runningByInstruction.has(key)) {
          const execution: RunningExecution = {id: nextId++, instruction, lastSeenAt: now, taskName};

          running.set(execution.id, execution);
          runningByInstruction.set(key, execution);
          recorded.push(execution);
          room--;
        }
      }

      return recorded;
    },
    registerTask,
    selectStale: (now) => {
      return [...running.values()].filter((execution) => now - execution.lastSeenAt > getTask(execution.taskName).maxExecutionDuration);
    },
    summarize: (since, recentLimit) => {
      const taskNames = new Set([...tasks.keys(), ...[...running.values()].map((execution) => execution.taskName)]);
      const summaries = new Map([...taskNames].sort().map((taskName) => [taskName, {completed: 0, dead: 0, failed: 0, lastTerminatedAt: null as Date | null, running: 0, taskName, terminated: 0}]));

      for (const execution of running.values()) {
        const summary = summaries.get(execution.taskName);

        if (summary !== undefined) {
          summary.running++;
        }
      }

      for (const ended of ends) {
        const summary = summaries.get(ended.taskName);

        if (summary !== undefined && ended.endedAt >= since) {
          summary[ended.state === 'COMPLETED' ? 'completed' : ended.state === 'FAILED' ? 'failed' : 'terminated']++;
        }
      }

      for (const failed of failedAttempts.values()) {
        const summary = summaries.get(failed.taskName);

        if (summary !== undefined && failed.deadAt !== null) {
          summary.dead++;
        }
      }

      for (const [taskName, ofTask] of terminations) {
        const summary = summaries.get(taskName);
        const latest = ofTask.at(-1);

        if (summary !== undefined && latest !== undefined) {
          summary.lastTerminatedAt = new Date(latest.endedAt);
        }
      }

      const recent = [...terminations.values()].flatMap((ofTask) => ofTask.slice(-recentLimit))
        .sort((a, b) => b.endedAt - a.endedAt || b.id - a.id)
        .slice(0, recentLimit);
      const tasksSummaries = [...summaries.values()];

      return {
        reaper: {
          recent: recent.map((ended) => ({executionId: ended.id, instruction: ended.instruction, taskName: ended.taskName, terminatedAt: new Date(ended.endedAt)})),
          terminated: tasksSummaries.reduce((sum, summary) => sum + summary.terminated, 0),
        },
        since: new Date(since),
        tasks: tasksSummaries,
      };
    },
    subscribe: (taskName, onWake) => {
      const subscriber = {onWake, taskName};

      subscribers.add(subscriber);

      return () => {
        subscribers.delete(subscriber);
      };
    },
  };
};
