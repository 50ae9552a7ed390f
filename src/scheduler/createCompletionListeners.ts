import {CompletionListenerError, InvalidSchedulerArgumentError} from './errors.ts';
import type {JobRecord} from './recordTypes.ts';

/** What `onComplete` takes: called with the id and the stored result of each of the task's jobs that ends DONE. */
export type CompletionListener = (jobId: number, result: unknown) => unknown;

export type CompletionListeners = {
  /** Adds a listener for the task's DONE jobs; the function returned removes it (again: nothing). */
  readonly add: (taskName: string, listener: CompletionListener) => () => void;
  /** Calls the listeners of the job's task (the job is DONE, as stored). */
  readonly notify: (job: JobRecord) => void;
};

/**
 * forerunner's `onComplete(taskName, (id, data) => …)`: listeners per task name, called when one of
 * its jobs ends DONE in this instance, with the result as stored (the same value for a job run here
 * and one run by a remote worker). A listener that throws or rejects is reported through `report` as a
 * `COMPLETION_LISTENER_FAILED` error; the job stays DONE and the other listeners still run.
 */
export const createCompletionListeners = ({report}: {
  readonly report: (error: CompletionListenerError) => void;
}): CompletionListeners => {
  const listeners = new Map<string, ReadonlySet<CompletionListener>>();

  const call = (job: JobRecord, listener: CompletionListener) => {
    const fail = (error: unknown) => {
      report(new CompletionListenerError(job.taskName, job.id, error));
    };

    try {
      const returned = listener(job.id, job.result);

      if (typeof (returned as PromiseLike<unknown> | null)?.then === 'function') {
        (returned as PromiseLike<unknown>).then(undefined, fail);
      }
    } catch (error) {
      fail(error);
    }
  };

  return {
    add: (taskName, listener) => {
      if (typeof taskName !== 'string' || taskName === '') {
        throw new InvalidSchedulerArgumentError('taskName', 'a non-empty string', taskName);
      }

      if (typeof listener !== 'function') {
        throw new InvalidSchedulerArgumentError('listener', 'a function `(jobId, result) => …`', listener);
      }

      // Copy on write: a listener that removes itself does not disturb the calls in progress.
      listeners.set(taskName, new Set([...listeners.get(taskName) ?? [], listener]));

      return () => {
        const current = listeners.get(taskName);

        if (current?.has(listener) === true) {
          const rest = [...current].filter((candidate) => candidate !== listener);

          if (rest.length === 0) {
            listeners.delete(taskName);
          } else {
            listeners.set(taskName, new Set(rest));
          }
        }
      };
    },
    notify: (job) => {
      for (const listener of listeners.get(job.taskName) ?? []) {
        call(job, listener);
      }
    },
  };
};
