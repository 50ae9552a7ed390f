import {createTimerQueue} from '../planton/createTimerQueue.ts';
import {serializeUserError} from '../planton/serializeUserError.ts';
import type {Clock} from '../planton/types.ts';
import {createJob, type JobController} from '../scheduler/createJob.ts';
import {UnknownScheduledTaskError} from '../scheduler/errors.ts';
import {findNonJsonValue} from '../scheduler/findNonJsonValue.ts';
import type {Processor} from '../scheduler/processorTypes.ts';
import type {AttemptCall, HubMessage} from '../server/protocol/messages.ts';
import type {Outbox} from './createOutbox.ts';
import {InvalidResultError, WorkerClosedError} from './errors.ts';

type AttemptKey = {readonly attempt: number; readonly jobId: number};

export type RemoteJobRunnerConfiguration = {
  /** Where the jobs' timeouts wait (one timer queue for every job of the worker). */
  readonly clock: Clock;
  /** Whether the worker is closing: a job sent meanwhile fails at once with `WorkerClosedError`. */
  readonly isDraining: () => boolean;
  /** Carries each job's `log`, `progress`, `done` and `fail` to the server, numbered per attempt. */
  readonly outbox: Outbox;
  /** The worker's processors by task name, read when a job starts. */
  readonly processors: ReadonlyMap<string, Processor>;
  /** Reports a failure nobody awaits (on the worker's `error` event). */
  readonly reportError: (error: unknown, message: string) => void;
};

export type RemoteJobRunner = {
  /** Aborts the running attempt's signal with `reason` (the server aborted it); nothing if it does not run here. */
  readonly abort: (attempt: AttemptKey, reason: unknown) => void;
  /** Aborts every running attempt's signal, each with its own `WorkerClosedError` (at close). */
  readonly abortAll: () => void;
  /** The attempts running here, for the next `hello`. */
  readonly attempts: () => AttemptKey[];
  /** Runs a job the server sent, unless that attempt already runs here. */
  readonly run: (message: Extract<HubMessage, {readonly type: 'job'}>) => void;
  /** Times the running attempt out (the server timed it out); nothing if it does not run here. */
  readonly timeOut: (attempt: AttemptKey) => void;
  /** Resolves once the attempts running now have ended (their `done` or `fail` answered by the server). */
  readonly whenEnded: () => Promise<void>;
};

const keyOf = ({attempt, jobId}: AttemptKey): string => `${jobId}:${attempt}`;

/**
 * The jobs a remote worker runs: one `createJob` controller per attempt the server sends, whose
 * `log`, `progress`, `done` and `fail` go to the server through the outbox.
 */
export const createRemoteJobRunner = ({clock, isDraining, outbox, processors, reportError}: RemoteJobRunnerConfiguration): RemoteJobRunner => {
  const timers = createTimerQueue(clock);
  /** Jobs running here, by `jobId:attempt`. */
  const running = new Map<string, JobController>();

  const run = (message: Extract<HubMessage, {readonly type: 'job'}>) => {
    const {attempt, jobId, taskName} = message;
    const key = keyOf(message);
    let seq = 0;

    if (running.has(key)) {
      return;
    }

    const push = async (body: AttemptCall) => {
      await outbox.push({...body, attempt, jobId, seq: ++seq});
    };

    if (isDraining()) {
      push({error: serializeUserError(new WorkerClosedError('run a job')), type: 'fail'}).catch(() => undefined);

      return;
    }

    const controller = createJob({
      finish: async (result) => {
        if (result.state === 'TIMED_OUT') {
          // The server times its job out itself.
          return;
        }

        if (result.state === 'FAILED') {
          await push({error: serializeUserError(result.error), type: 'fail'});

          return;
        }

        const fault = findNonJsonValue(result.result, 'result');

        if (fault !== null) {
          reportError(new InvalidResultError(jobId, fault), 'a job result JSON cannot hold');
        }

        await push(fault === null && result.result !== undefined ? {result: result.result, type: 'done'} : {type: 'done'});
      },
      job: {attempt, id: jobId, payload: message.payload, scheduledFor: message.scheduledFor, slotCount: message.slotCount, taskName},
      onError: (error) => {
        reportError(error, 'a job call failed with nobody to hear it');
      },
      record: async ({message: line, progress, step}) => {
        await push(line === null ? {progress, step, type: 'progress'} : {message: line, type: 'log'});
      },
      timeout: message.timeout,
      timers,
    });

    running.set(key, controller);
    void controller.ended.then(() => {
      running.delete(key);
    });
    controller.run(processors.get(taskName) ?? (() => {
      throw new UnknownScheduledTaskError(taskName, ': this worker has no processor for it any more');
    }));
  };

  return {
    abort: (attempt, reason) => {
      running.get(keyOf(attempt))?.abort(reason);
    },
    abortAll: () => {
      for (const controller of running.values()) {
        controller.abort(new WorkerClosedError('run a job'));
      }
    },
    attempts: () => [...running.values()].map(({job}) => ({attempt: job.attempt, jobId: job.id})),
    run,
    timeOut: (attempt) => {
      running.get(keyOf(attempt))?.timeOut();
    },
    whenEnded: async () => {
      await Promise.all([...running.values()].map(async ({ended}) => await ended));
    },
  };
};
