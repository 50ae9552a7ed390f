import {createEmitter} from '../planton/createEmitter.ts';
import {TIMER_IDLE, type TimerQueue, type TimerTarget} from '../planton/createTimerQueue.ts';
import {
  InvalidSchedulerOptionError,
  JobDoneError,
  JobHandlerError,
  JobFailedError,
  JobTimedOutError,
} from './errors.ts';
import type {Job, JobEvents, NodeCallback, Processor, ProcessorCallback} from './processorTypes.ts';
import type {JobRecord} from './recordTypes.ts';
import {describeCause} from '../planton/describeCause.ts';
import {describeValue} from '../planton/describeValue.ts';

/** How an attempt ended, as the job saw it. */
export type JobResult =
  | {readonly error: Error; readonly state: 'TIMED_OUT'}
  | {readonly error: unknown; readonly state: 'FAILED'}
  | {readonly result: unknown; readonly state: 'DONE'};

export type JobConfiguration = {
  /** Persists the end of the attempt; `done()`/`fail()` settle with it. Reports its own failures before it rejects. */
  readonly finish: (result: JobResult) => Promise<void>;
  /** Reports a failure no caller can see: a listener's, a late handler's, a callback's that threw. */
  readonly onError: (error: unknown) => void;
  /** Persists a log line and/or progress; reports its own failures (on the scheduler's `error` event) before it rejects. */
  readonly record: (entry: {readonly message: string | null; readonly progress: number | null; readonly step: string | null}) => Promise<void>;
  /** What the processor sees of the job (a remote worker builds it from the server's message). */
  readonly job: Pick<JobRecord, 'attempt' | 'id' | 'payload' | 'scheduledFor' | 'slotCount' | 'taskName'>;
  readonly timeout: number;
  /** Where the attempt's timeout waits: one queue (one timer) for every job of a scheduler. */
  readonly timers: TimerQueue;
};

export type JobController = {
  readonly job: Job;
  /** Aborts the job's signal (scheduler termination, or `reason`) without ending it. */
  readonly abort: (reason?: unknown) => void;
  /** Settles when the attempt has ended and its end is persisted (or failed to be). */
  readonly ended: Promise<void>;
  /** Runs the processor and starts the timeout. */
  readonly run: (processor: Processor) => void;
  /** Times the attempt out now, as its timer would (a remote worker whose server timed the job out); nothing once it has ended. */
  readonly timeOut: () => void;
};

const toError = (error: unknown): Error => error instanceof Error ? error : new Error(describeCause(error));

/**
 * Answers a call on the job: through `callback` when one is given (the promise then resolves), else
 * through the promise, which rejects for a caller that awaits it but is marked handled, so that a
 * call nobody awaits (`void job.log(…)`) never becomes an unhandled rejection. Store failures reach
 * the scheduler's `error` event either way (the job runner reports them).
 */
const answer = (promise: Promise<void>, onError: (error: unknown) => void, callback?: NodeCallback): Promise<void> => {
  if (callback === undefined) {
    promise.catch(() => undefined);

    return promise;
  }

  return promise.then(() => {
    callback(null);
  }, (error: unknown) => {
    callback(toError(error));
  }).catch(onError);
};

/** Infinitas' `done(callback)` and `fail(callback)`: a function as the only argument is the callback. */
const splitCallback = (value: unknown, callback: NodeCallback | undefined): readonly [unknown, NodeCallback | undefined] => {
  return typeof value === 'function' && callback === undefined ? [undefined, value as NodeCallback] : [value, callback];
};

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> => typeof (value as PromiseLike<unknown> | null)?.then === 'function';

/**
 * One attempt of one job: the object a processor receives (`done`, `fail`, `log`, `progress`, the
 * `timeout` event) and the state machine behind it: RUNNING, then exactly one of DONE, FAILED or
 * TIMED_OUT. Whatever ends the attempt first wins; later calls get `job_done`, `job_failed` or
 * `job_timed_out`.
 */
export const createJob = (configuration: JobConfiguration): JobController => {
  const {finish, job: record, onError, record: persistLog, timeout, timers} = configuration;
  const controller = new AbortController();
  const events = createEmitter<JobEvents>((_name, _payload, error) => {
    onError(error);
  });
  let state: 'DONE' | 'FAILED' | 'RUNNING' | 'TIMED_OUT' = 'RUNNING';
  let resolveEnded!: () => void;
  const ended = new Promise<void>((resolve) => {
    resolveEnded = resolve;
  });

  const stateError = (operation: string): Error => {
    if (state === 'DONE') {
      return new JobDoneError(record.id, operation);
    }

    return state === 'FAILED' ? new JobFailedError(record.id, operation) : new JobTimedOutError(record.id, timeout);
  };

  /** Fires when the attempt outlives its timeout; the queue keeps its place in the target, so arming it allocates nothing. */
  const timeoutTarget: TimerTarget = {
    onTimer: () => {
      if (state !== 'RUNNING') {
        return;
      }

      const error = new JobTimedOutError(record.id, timeout);

      // eslint-disable-next-line @typescript-eslint/no-use-before-define -- the target is armed only after endQuietly exists
      endQuietly({error, state: 'TIMED_OUT'});
      controller.abort(error);
      events.emit('timeout', timeout);
    },
    timerAt: 0,
    timerIndex: TIMER_IDLE,
    timerSequence: 0,
  };

  const end = (result: JobResult): Promise<void> => {
    state = result.state;
    timers.cancel(timeoutTarget);

    const persisted = finish(result);

    void persisted.finally(resolveEnded).catch(() => undefined);

    return persisted;
  };

  const done = (resultOrCallback?: unknown, maybeCallback?: NodeCallback): Promise<void> => {
    const [result, callback] = splitCallback(resultOrCallback, maybeCallback);

    return answer(state === 'RUNNING' ? end({result, state: 'DONE'}) : Promise.reject(stateError('done')), onError, callback);
  };

  const fail = (errorOrCallback?: unknown, maybeCallback?: NodeCallback): Promise<void> => {
    const [reason, callback] = splitCallback(errorOrCallback, maybeCallback);
    const error = reason === undefined ? new JobHandlerError(record.id, undefined) : reason;

    return answer(state === 'RUNNING' ? end({error, state: 'FAILED'}) : Promise.reject(stateError('fail')), onError, callback);
  };

  /** Log lines and progress are refused once the job is done or failed; a timed-out job goes on logging (Infinitas). */
  const canRecord = () => state === 'RUNNING' || state === 'TIMED_OUT';

  const log = (message: string, callback?: NodeCallback): Promise<void> => {
    if (!canRecord()) {
      throw stateError('log');
    }

    return answer(persistLog({message: String(message), progress: null, step: null}), onError, callback);
  };

  const progress = (value: number | string, stepOrCallback?: NodeCallback | string, callback?: NodeCallback): Promise<void> => {
    if (!canRecord()) {
      throw stateError('progress');
    }

    const step = typeof value === 'string' ? value : typeof stepOrCallback === 'string' ? stepOrCallback : null;
    const fraction = typeof value === 'number' ? value : null;

    if (fraction !== null && !(fraction >= 0 && fraction <= 1)) {
      throw new InvalidSchedulerOptionError(`Expected \`progress\` to be a number from 0 to 1 or a step name, got \`${describeValue(value)}\`.`, 'INVALID_PROGRESS', 'progress', value);
    }

    return answer(persistLog({message: null, progress: fraction, step}), onError, typeof stepOrCallback === 'function' ? stepOrCallback : callback);
  };

  const job: Job = {
    attempt: record.attempt,
    done,
    fail,
    id: record.id,
    log,
    off: events.off,
    on: events.on,
    once: events.once,
    payload: record.payload,
    progress,
    scheduledFor: new Date(record.scheduledFor),
    signal: controller.signal,
    slotCount: record.slotCount,
    taskName: record.taskName,
    timeout,
  };

  /** The end of an attempt that no caller awaits: its failures go to `onError`. */
  const endQuietly = (result: JobResult) => {
    end(result).catch(onError);
  };

  return {
    abort: (reason = new Error('The scheduler is terminating.')) => {
      controller.abort(reason);
    },
    ended,
    job,
    run: (processor) => {
      let result: unknown;
      // `(job, done) => …` ends its job through `done`; `(job) => …` when it returns or its promise resolves.
      const takesDone = processor.length >= 2;
      const callback: ProcessorCallback = (error, value) => {
        void (error === undefined || error === null ? done(value) : fail(error));
      };

      // The processor first, the timeout timer on a microtask after: when many jobs start at once
      // (one timer fires for all the jobs of a slot), every processor starts before any timer is set.
      try {
        result = processor(job, callback);
      } catch (error) {
        // After the attempt ended (say, timed out), a throw changes nothing.
        if (state === 'RUNNING') {
          endQuietly({error, state: 'FAILED'});
        }

        return;
      }

      queueMicrotask(() => {
        if (state === 'RUNNING') {
          timers.add(timeout, timeoutTarget);
        }
      });

      const completeWith = (value: unknown) => {
        if (state === 'RUNNING' && !takesDone) {
          endQuietly({result: value, state: 'DONE'});
        }
      };

      if (isPromiseLike(result)) {
        result.then(completeWith, (error: unknown) => {
          if (state === 'RUNNING') {
            endQuietly({error, state: 'FAILED'});
          }
        });
      } else {
        completeWith(result);
      }
    },
    timeOut: () => {
      timers.cancel(timeoutTarget);
      timeoutTarget.onTimer();
    },
  };
};
