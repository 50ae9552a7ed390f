import {serializeUserError} from '../planton/serializeUserError.ts';
import type {Clock} from '../planton/types.ts';
import {createBatcher} from '../planton/createBatcher.ts';
import {createTimerQueue} from '../planton/createTimerQueue.ts';
import {createJob, type JobController, type JobResult} from './createJob.ts';
import {decideJobOutcome} from './decideJobOutcome.ts';
import {JobTimedOutError, NoProcessorError, UnstorableJobResultError} from './errors.ts';
import type {Processor} from './processorTypes.ts';
import type {JobOutcome, JobRecord, JobState} from './recordTypes.ts';
import type {SchedulerEvents} from './schedulerApiTypes.ts';
import type {RetryPolicy} from './scheduleTypes.ts';
import type {JobFinish, SchedulerStore} from './storeTypes.ts';
import {toStoredResult} from './toStoredResult.ts';

export type JobRunnerConfiguration = {
  readonly clock: Clock;
  readonly emit: <Name extends keyof SchedulerEvents>(name: Name, payload: SchedulerEvents[Name]) => void;
  /** The retry policy of a task (a default one when the task is gone). */
  readonly getRetryPolicy: (taskName: string) => RetryPolicy;
  /** How long past a job's timeout another instance waits before it takes the job for lost. */
  readonly leaseGrace: number;
  /** How long a due job waits for an instance with a processor before an instance without one counts a miss. */
  readonly noProcessorGrace: number;
  readonly noProcessorRetryDelays: readonly number[];
  /** Called when an attempt of the task ended here (a concurrency slot is free), with the job's state as saved (`null` when it could not be saved or was taken over). */
  readonly onJobEnded: (taskName: string, state: JobState | null) => void;
  readonly random: () => number;
  readonly reportError: (error: unknown, taskName: string | null) => void;
  readonly store: SchedulerStore;
};

export type JobRunner = {
  /** Aborts the signals of the jobs running here. */
  readonly abortAll: () => void;
  /** Ids of the jobs running in this instance. */
  readonly getRunningJobIds: () => readonly number[];
  /**
   * Due jobs of tasks this instance has no processor for, unclaimed `noProcessorGrace` after their
   * time: postponed by the next of `noProcessorRetryDelays`, then failed. Resolves when the grace of
   * the next due job ends (`null` when none is waiting).
   */
  readonly postponeUnprocessed: (taskNames: readonly string[], now: number) => Promise<number | null>;
  /** RUNNING jobs of the tasks whose instance died (lease past `leaseGrace`): failed with `job_timed_out`, retried as the task says. */
  readonly recoverExpired: (taskNames: readonly string[], now: number) => Promise<void>;
  /** Builds the attempt of a claimed job ahead of its time; the function returned starts it (with the processor of that moment). */
  readonly prepare: (job: JobRecord) => (processor: Processor) => void;
  /** Settles when every job running here has ended (or after `signal` aborts). */
  readonly whenIdle: () => Promise<void>;
  /** Settles when the store calls of jobs (their ends, logs and progress) in flight now have settled. */
  readonly whenStoreCallsSettled: () => Promise<void>;
  /** At terminate: stops the timeouts' clock timer, which stays armed while no job runs, now or once the last running job ends. */
  readonly disarmTimeouts: () => void;
};

/**
 * Runs claimed jobs in this instance and ends attempts in the store: done, retry or failed, and the
 * events that say so. Ends are written in batches: those of one event-loop turn (or made while the
 * previous batch was in flight) in one statement.
 */
export const createJobRunner = (configuration: JobRunnerConfiguration): JobRunner => {
  const {clock, emit, getRetryPolicy, leaseGrace, noProcessorGrace, noProcessorRetryDelays, onJobEnded, random, reportError, store} = configuration;
  const running = new Map<number, {readonly controller: JobController; readonly taskName: string}>();
  const finishes = createBatcher<JobFinish, JobRecord | null>({run: store.finishJobs});
  /**
   * Every running job's timeout, behind one timer. Kept armed when empty: jobs that end at once
   * empty it between two of them. A timer left armed fires once for nothing (unref()ed on the
   * system clock, so it keeps no process up).
   */
  const timers = createTimerQueue(clock, {keepArmedWhenEmpty: true});
  /** Set at terminate: from then on the timer is disarmed whenever the last job ends. */
  let timeoutsDisarmed = false;
  /** The store calls of jobs in flight: terminate waits for them, so none runs after it resolved. */
  const storeCalls = new Set<Promise<unknown>>();

  const track = <T>(call: Promise<T>): Promise<T> => {
    storeCalls.add(call);
    // Its failure is the caller's to handle: this copy only leaves the set.
    void call.finally(() => storeCalls.delete(call)).catch(() => undefined);

    return call;
  };

  const outcomeOf = (job: JobRecord, result: JobResult): JobOutcome => {
    if (result.state === 'DONE') {
      const stored = toStoredResult(result.result);

      if (stored.fault !== null) {
        // The job did its work: it stays DONE, without a result to read back.
        reportError(new UnstorableJobResultError(job.id, stored.fault), job.taskName);
      }

      return {result: stored.value, state: 'DONE'};
    }

    return decideJobOutcome({attempt: job.attempt, error: result.error, now: clock.now(), random, retry: getRetryPolicy(job.taskName)});
  };

  /** Ends an attempt in the store and announces how; `null` when the attempt was no longer running (taken over). */
  const finishAttempt = async (job: JobRecord, result: JobResult, leaseEndedBy?: number): Promise<JobRecord | null> => {
    const outcome = outcomeOf(job, result);
    const finished = await track(finishes.add({attempt: job.attempt, id: job.id, leaseEndedBy, now: clock.now(), outcome}));

    if (finished === null) {
      return null;
    }

    if (result.state === 'DONE') {
      emit('succeeded', {job: finished, result: result.result});

      return finished;
    }

    if (result.state === 'TIMED_OUT') {
      emit('timeout', {error: result.error, job: finished});
    }

    if (outcome.state === 'WAITING') {
      emit('retry', {error: result.error, job: finished, runAt: new Date(outcome.runAt)});
    } else {
      emit('failed', {error: result.error, job: finished});
    }

    return finished;
  };

  return {
    abortAll: () => {
      for (const {controller} of running.values()) {
        controller.abort();
      }
    },
    disarmTimeouts: () => {
      timeoutsDisarmed = true;
      timers.disarmIfEmpty();
    },
    getRunningJobIds: () => [...running.keys()],
    postponeUnprocessed: async (taskNames, now) => {
      let graceEndsAt: number | null = null;

      if (taskNames.length === 0) {
        return null;
      }

      for (const job of await store.listDueJobs({limit: 100, now, taskNames})) {
        if (job.runAt + noProcessorGrace > now) {
          graceEndsAt = Math.min(graceEndsAt ?? Number.POSITIVE_INFINITY, job.runAt + noProcessorGrace);
          continue;
        }

        const delay = noProcessorRetryDelays[job.noProcessorCount];
        const error = new NoProcessorError(job.taskName, job.noProcessorCount + 1);
        const postponed = await store.postponeJob({
          error: delay === undefined ? serializeUserError(error) as Record<string, unknown> : null,
          id: job.id,
          noProcessorCount: job.noProcessorCount,
          now,
          runAt: delay === undefined ? null : now + delay,
        });

        if (postponed !== null) {
          emit(delay === undefined ? 'failed' : 'retry', {error, job: postponed, runAt: new Date(postponed.runAt)});
        }
      }

      return graceEndsAt;
    },
    recoverExpired: async (taskNames, now) => {
      if (taskNames.length === 0) {
        return;
      }

      for (const job of await store.listExpiredJobs({before: now - leaseGrace, taskNames})) {
        if (!running.has(job.id)) {
          const error = new JobTimedOutError(job.id, (job.leaseUntil ?? 0) - (job.startedAt ?? 0));

          // Fenced by the lease too: the attempt may have been given back and claimed again meanwhile, with the same number.
          await finishAttempt(job, {error, state: 'TIMED_OUT'}, now - leaseGrace);
        }
      }
    },
    prepare: (job) => {
      const controller = createJob({
        finish: async (result) => {
          let state: JobState | null = null;

          try {
            state = (await finishAttempt(job, result))?.state ?? null;
          } catch (error) {
            reportError(error, job.taskName);
            throw error;
          } finally {
            running.delete(job.id);

            // Jobs aborted at terminate end after it: the last one to end disarms the timeouts' timer.
            if (timeoutsDisarmed) {
              timers.disarmIfEmpty();
            }

            onJobEnded(job.taskName, state);
          }
        },
        job,
        onError: (error) => {
          reportError(error, job.taskName);
        },
        record: async ({message, progress, step}) => {
          try {
            await track(store.recordLog({attempt: job.attempt, id: job.id, message, now: clock.now(), progress, step}));
          } catch (error) {
            // Reported whether or not the caller awaits: `void job.log(…)` is the usual call.
            reportError(error, job.taskName);
            throw error;
          }
        },
        timeout: (job.leaseUntil ?? 0) - (job.startedAt ?? 0),
        timers,
      });

      return (processor) => {
        running.set(job.id, {controller, taskName: job.taskName});
        controller.run(processor);
      };
    },
    whenIdle: async () => {
      await Promise.all([...running.values()].map(async ({controller}) => {
        await controller.ended;
      }));
    },
    whenStoreCallsSettled: async () => {
      // Those in flight now: a job that ignores its abort and goes on logging must not hold terminate for ever.
      await Promise.allSettled([...storeCalls]);
    },
  };
};
