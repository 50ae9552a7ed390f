import {ComposedStepError, InvalidSchedulerArgumentError, JobDoneError, JobFailedError, JobHandlerError} from './errors.ts';
import type {Job, NodeCallback, Processor, ProcessorCallback} from './processorTypes.ts';

/**
 * One step of `compose`: a processor. Its `job.payload` is the result of the step before (the job's
 * payload for the first); it ends as a processor ends its job (returning, resolving, `done(error?,
 * result?)` when it declares a second parameter, `job.done(result)`, `job.fail(error)`, a throw), and
 * what it ends with goes to the next step. `log`, `progress`, `signal` and the `timeout` event are the job's own.
 */
export type ComposeStep = Processor;

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> => typeof (value as PromiseLike<unknown> | null)?.then === 'function';

/** Infinitas' `done(callback)` and `fail(callback)`: a function as the only argument is the callback. */
const splitCallback = (value: unknown, callback: NodeCallback | undefined): readonly [unknown, NodeCallback | undefined] => {
  return typeof value === 'function' && callback === undefined ? [undefined, value as NodeCallback] : [value, callback];
};

/** Runs one step on a view of `job` whose payload is `input`; resolves with its result, rejects with its error. */
const runStep = async (step: ComposeStep, job: Job, input: unknown): Promise<unknown> => {
  return await new Promise<unknown>((resolve, reject) => {
    let ended: 'DONE' | 'FAILED' | null = null;

    const end = (outcome: 'DONE' | 'FAILED', value: unknown, callback: NodeCallback | undefined): Promise<void> => {
      if (ended !== null) {
        const error = ended === 'DONE' ? new JobDoneError(job.id, outcome === 'DONE' ? 'done' : 'fail') : new JobFailedError(job.id, outcome === 'DONE' ? 'done' : 'fail');

        if (callback !== undefined) {
          callback(error);

          return Promise.resolve();
        }

        const refused = Promise.reject(error);

        // Rejects for a caller that awaits it; `void job.done()` called twice is no unhandled rejection.
        refused.catch(() => undefined);

        return refused;
      }

      ended = outcome;

      if (outcome === 'DONE') {
        resolve(value);
      } else {
        reject(value);
      }

      callback?.(null);

      return Promise.resolve();
    };

    const view: Job = {
      ...job,
      done: (resultOrCallback?: unknown, maybeCallback?: NodeCallback) => {
        const [result, callback] = splitCallback(resultOrCallback, maybeCallback);

        return end('DONE', result, callback);
      },
      fail: (errorOrCallback?: unknown, maybeCallback?: NodeCallback) => {
        const [error, callback] = splitCallback(errorOrCallback, maybeCallback);

        return end('FAILED', error ?? new JobHandlerError(job.id, undefined), callback);
      },
      payload: input,
    };
    const takesDone = step.length >= 2;
    const callback: ProcessorCallback = (error, value) => {
      void (error === undefined || error === null ? view.done(value) : view.fail(error)).catch(() => undefined);
    };
    let returned: unknown;

    try {
      returned = step(view, callback);
    } catch (error) {
      void end('FAILED', error, undefined).catch(() => undefined);

      return;
    }

    const completeWith = (value: unknown) => {
      if (!takesDone) {
        void end('DONE', value, undefined).catch(() => undefined);
      }
    };

    if (isPromiseLike(returned)) {
      returned.then(completeWith, (error: unknown) => {
        void end('FAILED', error, undefined).catch(() => undefined);
      });
    } else {
      completeWith(returned);
    }
  });
};

/**
 * forerunner's composed jobs: a processor that runs `steps` in series, in one attempt on one
 * processor (in process or on one remote worker), each step given the result of the one before as
 * `job.payload`. The job completes with the last step's result. It fails fast: the first step that
 * fails ends the job with `COMPOSED_STEP_FAILED` (its `stepIndex`, the step's error as `cause`), and
 * no later step runs; nor does one after the job's signal aborted (timed out, scheduler terminating).
 * Register it as any processor: `scheduler.addProcessor(name, compose([...]))` or
 * `worker.processor(name, compose([...]))`.
 */
export const compose = (steps: readonly ComposeStep[]): Processor => {
  if (!Array.isArray(steps) || steps.length === 0) {
    throw new InvalidSchedulerArgumentError('steps', 'a non-empty array of processors', steps);
  }

  for (const [index, step] of steps.entries()) {
    if (typeof step !== 'function') {
      throw new InvalidSchedulerArgumentError(`steps[${index}]`, 'a processor function', step);
    }
  }

  // Copied: a change to the caller's array after compose() does not change the job.
  const sequence = [...steps];

  return async (job: Job) => {
    let value: unknown = job.payload;

    for (const [index, step] of sequence.entries()) {
      if (job.signal.aborted) {
        throw new ComposedStepError(job.id, index, sequence.length, job.signal.reason);
      }

      try {
        value = await runStep(step, job, value);
      } catch (error) {
        throw new ComposedStepError(job.id, index, sequence.length, error);
      }
    }

    return value;
  };
};
