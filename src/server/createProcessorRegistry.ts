import {createIntervalLoop} from '../planton/createIntervalLoop.ts';
import {PlantonError} from '../planton/errors.ts';
import type {Clock} from '../planton/types.ts';
import type {Scheduler} from '../scheduler/createScheduler.ts';
import type {Processor} from '../scheduler/processorTypes.ts';
import {WorkerHubInternalError} from './protocol/errors.ts';

export type ProcessorRegistryConfiguration = {
  readonly clock: Clock;
  /** Whether the hub wants a processor for the task now (some connected worker processes it). */
  readonly isWanted: (taskName: string) => boolean;
  /** The one processor registered for every task (the job says which). */
  readonly processor: Processor;
  /** How often (milliseconds) tasks the scheduler refused are tried again. */
  readonly retryInterval: number;
  readonly scheduler: Pick<Scheduler, 'addProcessor' | 'removeProcessor'>;
};

export type ProcessorRegistry = {
  /** Adds or removes the task's processor as `isWanted` says. */
  readonly refresh: (taskName: string) => void;
  /** Why the scheduler refuses the task a processor (`UNKNOWN_TASK`: not scheduled yet; `DUPLICATE_TASK_NAME`: a processor in process has it), or `null`. */
  readonly refusal: (taskName: string) => PlantonError | null;
  /** Stops the retries and removes every processor it added. */
  readonly stop: () => Promise<void>;
};

/**
 * The processors a worker hub keeps on its scheduler: one per task that some connected worker
 * processes, removed when the last one leaves. A task the scheduler refuses (not scheduled yet:
 * tasks may be created later over the API) is tried again every `retryInterval`.
 */
export const createProcessorRegistry = ({clock, isWanted, processor, retryInterval, scheduler}: ProcessorRegistryConfiguration): ProcessorRegistry => {
  const registered = new Set<string>();
  const refused = new Map<string, PlantonError>();

  const refresh = (taskName: string) => {
    const wanted = isWanted(taskName);

    if (wanted && !registered.has(taskName)) {
      try {
        scheduler.addProcessor(taskName, processor);
        registered.add(taskName);
        refused.delete(taskName);
      } catch (error) {
        refused.set(taskName, error instanceof PlantonError ? error : new WorkerHubInternalError(error));
      }
    } else if (!wanted) {
      refused.delete(taskName);

      if (registered.delete(taskName)) {
        scheduler.removeProcessor(taskName);
      }
    }
  };

  const loop = createIntervalLoop({
    clock,
    interval: retryInterval,
    run: async () => {
      for (const taskName of [...refused.keys()]) {
        refresh(taskName);
      }
    },
  });

  return {
    refresh,
    refusal: (taskName) => refused.get(taskName) ?? null,
    stop: async () => {
      await loop.stop();

      for (const taskName of registered) {
        scheduler.removeProcessor(taskName);
      }

      registered.clear();
      refused.clear();
    },
  };
};
