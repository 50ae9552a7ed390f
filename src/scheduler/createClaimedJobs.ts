import type {Clock} from '../planton/types.ts';
import type {JobRunner} from './createJobRunner.ts';
import {SchedulerTerminatedError} from './errors.ts';
import type {Processor} from './processorTypes.ts';
import type {JobRecord} from './recordTypes.ts';
import type {SchedulerStore} from './storeTypes.ts';

export type ClaimedJobsConfiguration = {
  readonly clock: Clock;
  /** Whether the dispatcher's `terminate` has begun: claims that land then, and jobs handed over then, do not start. */
  readonly isTerminating: () => boolean;
  readonly processors: ReadonlyMap<string, Processor>;
  readonly reportError: (error: unknown, taskName: string | null) => void;
  readonly runner: JobRunner;
  readonly store: SchedulerStore;
};

export type ClaimedJobs = {
  /** Gives up the claim in flight, if any: the store rolls it back, or gives back what a COMMIT already on its way claimed. */
  readonly abandonClaim: () => void;
  /**
   * Claims due jobs. One that lands once `terminate` has begun is not emitted: its jobs wait with the
   * others that have not started, which `terminate` gives back (or, if it has done so already, they
   * are given back at once). One that `terminate` gave up on claims nothing.
   */
  readonly claim: (input: Omit<Parameters<SchedulerStore['claimJobs']>[0], 'signal'>) => Promise<readonly JobRecord[]>;
  /** Settles with the claim in flight (`undefined` when there is none). */
  readonly claimSettled: () => Promise<void> | undefined;
  /** The ids of claimed jobs waiting for their `runAt`. */
  readonly getWaitingJobIds: () => Iterable<number>;
  /** A claimed job's `task` event: starts it now or from a timer at its `runAt` (at terminate, holds it to be given back). */
  readonly handOver: (jobId: number) => void;
  /** Keeps claimed jobs until their `task` events hand them over. */
  readonly hold: (jobs: readonly JobRecord[]) => void;
  /** Stops the start timers and gives the jobs that have not started back to the store; later ones are given back at once. */
  readonly releaseUnstarted: () => Promise<void>;
  /** Settles with every give-back in flight. */
  readonly releasesSettled: () => Promise<unknown>;
};

/**
 * The jobs the dispatcher has claimed and not yet started: the claim in flight (which `terminate`
 * can give up), the claimed jobs between their round and their `task` event, and those waiting on a
 * start timer (one per distinct start time) for their `runAt`. At terminate, the ones not started
 * are given back to the store.
 */
export const createClaimedJobs = (configuration: ClaimedJobsConfiguration): ClaimedJobs => {
  const {clock, isTerminating, processors, reportError, runner, store} = configuration;
  /** Claimed jobs not yet handed to their timer (between the round and its `task` event). */
  const claimed = new Map<number, JobRecord>();
  /** Claimed jobs waiting for their `runAt`, by job id. */
  const waiting = new Map<number, JobRecord>();
  /** One timer per distinct start time: the jobs due then, their attempts built ahead (so that the timer only calls processors). */
  const startTimers = new Map<number, Array<{readonly job: JobRecord; readonly run: (processor: Processor) => void}>>();
  const stopStarts = new AbortController();
  /** The claim in flight: `terminate` waits for it until `terminateTimeout`, then `cancel` gives it up. */
  let claiming: {readonly cancel: AbortController; readonly settled: Promise<void>} | null = null;
  /** Give-backs in flight: terminate waits for them, those of jobs claimed by its last round included. */
  const releases = new Set<Promise<void>>();

  const release = async (jobs: readonly JobRecord[]): Promise<void> => {
    if (jobs.length > 0) {
      const releasing = store.releaseJobs(jobs.map(({attempt, id}) => ({attempt, id}))).catch((error: unknown) => {
        reportError(error, null);
      });

      releases.add(releasing);
      await releasing;
      releases.delete(releasing);
    }
  };

  const claim: ClaimedJobs['claim'] = async (input) => {
    const cancel = new AbortController();
    const pending = store.claimJobs({...input, signal: cancel.signal}).then((jobs) => {
      if (!isTerminating()) {
        return jobs;
      }

      if (stopStarts.signal.aborted) {
        void release(jobs);
      } else {
        for (const job of jobs) {
          waiting.set(job.id, job);
        }
      }

      return [];
    });
    const current = {cancel, settled: pending.then(() => undefined, () => undefined)};

    claiming = current;

    try {
      return await pending;
    } catch (error) {
      if (cancel.signal.aborted) {
        return [];
      }

      throw error;
    } finally {
      if (claiming === current) {
        claiming = null;
      }
    }
  };

  const start = (job: JobRecord, run: (processor: Processor) => void = runner.prepare(job)) => {
    const processor = processors.get(job.taskName);

    if (processor === undefined) {
      // Removed while the job was claimed: given back unstarted, its attempt not spent, for an
      // instance that has a processor (or this one once it is added again).
      void release([job]);

      return;
    }

    run(processor);
  };

  const handOver = (jobId: number) => {
    const job = claimed.get(jobId);

    claimed.delete(jobId);

    if (job === undefined) {
      return;
    }

    if (isTerminating()) {
      // Claimed by the last round: given back with the others by `terminate`, or at once after it.
      if (stopStarts.signal.aborted) {
        void release([job]);
      } else {
        waiting.set(job.id, job);
      }

      return;
    }

    const startAt = job.startedAt ?? job.runAt;

    if (startAt <= clock.now()) {
      start(job);

      return;
    }

    waiting.set(job.id, job);

    const group = startTimers.get(startAt);
    const entry = {job, run: runner.prepare(job)};

    if (group !== undefined) {
      group.push(entry);

      return;
    }

    startTimers.set(startAt, [entry]);
    void clock.sleep(startAt - clock.now(), stopStarts.signal).then(() => {
      const due = startTimers.get(startAt) ?? [];

      startTimers.delete(startAt);

      if (stopStarts.signal.aborted) {
        return;
      }

      for (const {job: dueJob, run} of due) {
        waiting.delete(dueJob.id);
        start(dueJob, run);
      }

    });
  };

  return {
    abandonClaim: () => {
      claiming?.cancel.abort(new SchedulerTerminatedError('claim jobs'));
    },
    claim,
    claimSettled: () => claiming?.settled,
    getWaitingJobIds: () => waiting.keys(),
    handOver,
    hold: (jobs) => {
      for (const job of jobs) {
        claimed.set(job.id, job);
      }
    },
    releaseUnstarted: () => {
      stopStarts.abort();

      const unstarted = [...waiting.values()];

      waiting.clear();

      return release(unstarted);
    },
    releasesSettled: () => Promise.all(releases),
  };
};
