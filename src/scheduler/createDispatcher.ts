import {createPlanton} from '../planton/createPlanton.ts';
import {TaskListenerError, UserFunctionError} from '../planton/errors.ts';
import type {Clock} from '../planton/types.ts';
import {createJobRunner} from './createJobRunner.ts';
import {SchedulerTerminatedError, UnknownScheduledTaskError} from './errors.ts';
import {planMaterialization} from './planMaterialization.ts';
import type {Processor} from './processorTypes.ts';
import type {JobRecord, TaskRecord} from './recordTypes.ts';
import type {SchedulerEvents} from './schedulerApiTypes.ts';
import type {RetryPolicy} from './scheduleTypes.ts';
import type {SchedulerStore, WakeTimes} from './storeTypes.ts';

/**
 * How far ahead (milliseconds) slots get their jobs: a round that plans creates those up to now + this.
 * Slots not yet due are planned in the background (claims never wait for it); due ones (after
 * downtime, a new task) within the round, before its claim.
 */
export const MATERIALIZE_AHEAD = 3_000;

/**
 * A round plans slots when a task's next slot without a job is this close (milliseconds): about every
 * `MATERIALIZE_AHEAD - MATERIALIZE_WHEN`, 300 ms past the whole second when slots fall on whole
 * seconds (as cron slots do), away from the claims and starts around them.
 */
export const MATERIALIZE_WHEN = 1_700;

/**
 * How far ahead (milliseconds) due jobs are claimed; each then starts from a local timer at its
 * `runAt`. It covers a claim's round trips on a loaded machine; a job of a task at its concurrency
 * is claimed when a running one ends.
 */
export const CLAIM_AHEAD = 400;

/** Most jobs claimed per statement; a full batch is followed by another round at once. */
export const CLAIM_BATCH = 2_000;

/**
 * How long (milliseconds) `terminate` lets the engine wait for a round at least (createPlanton's
 * default); longer when `terminateTimeout` is, so that it never abandons a round whose claim
 * `terminate` still waits for.
 */
const ROUND_WAIT_AT_TERMINATE = 5_000;

/** The name of the one Planton task that dispatches every scheduled task of an instance. */
const DISPATCHER = 'planton-scheduler-dispatcher';

export type DispatcherConfiguration = {
  readonly clock: Clock;
  /** Announces how jobs end (`succeeded`, `retry`, `failed`, `timeout`). */
  readonly emit: <Name extends keyof SchedulerEvents>(name: Name, payload: SchedulerEvents[Name]) => void;
  /** The retry policy of a task (a default one when the task is gone). */
  readonly getRetryPolicy: (taskName: string) => RetryPolicy;
  readonly leaseGrace: number;
  readonly misfireThreshold: number;
  readonly noProcessorGrace: number;
  readonly noProcessorRetryDelays: readonly number[];
  readonly pollInterval: number;
  readonly processors: ReadonlyMap<string, Processor>;
  readonly random: () => number;
  readonly reportError: (error: unknown, taskName: string | null) => void;
  readonly store: SchedulerStore;
  /** The tasks this instance serves, by name; their records are updated as rounds save them. */
  readonly tasks: Map<string, TaskRecord>;
  /** How long `terminate` waits for a claim in flight and running jobs to end (milliseconds) before it gives up the claim and aborts the jobs' signals. */
  readonly terminateTimeout: number;
  readonly worker: string;
};

export type Dispatcher = {
  /** Creates the jobs of the tasks' due and upcoming slots now (outside a round); resolves the tasks as saved. */
  readonly materialize: (taskNames: readonly string[]) => Promise<readonly TaskRecord[]>;
  /** Wakes the dispatcher for a round now; `materialize`/`claim` make that round plan slots and claim jobs whatever the wake times say. */
  readonly request: (work: {readonly claim?: boolean; readonly materialize?: boolean}) => void;
  /**
   * Stops rounds. Waits up to `terminateTimeout` for a claim in flight (then gives it up: the store
   * rolls it back); claimed jobs whose time has not come, its own included, are given back to the
   * store. Waits up to the same `terminateTimeout` for running jobs to end and aborts the signals of
   * those still running.
   */
  readonly terminate: () => Promise<void>;
};

const NO_WAKE: WakeTimes = {blocked: false, claimAt: null, leaseUntil: null, nextRunAt: null, unprocessedRunAt: null};

const earliest = (...values: ReadonlyArray<number | null>): number => {
  let result = Number.POSITIVE_INFINITY;

  for (const value of values) {
    if (value !== null && value < result) {
      result = value;
    }
  }

  return result;
};

/**
 * One Planton task for every scheduled task of the instance. Its `schedule` is a round: create the
 * jobs of the slots due within `MATERIALIZE_AHEAD` (all tasks, one transaction), recover jobs of dead
 * instances, postpone due jobs no processor here can run, claim the jobs due within `CLAIM_AHEAD`
 * (all tasks, one statement) and read when the next round is needed (one statement). Each claimed
 * job is a `task` event; it starts from a local timer at its `runAt`, so its lateness is the timer's,
 * not the database's. `calculateDelay` sleeps until the earliest of the next slot to plan, the next
 * job to claim, the end of a no-processor grace or of a lease, and `pollInterval`; job ends,
 * `schedule()`, `reschedule()` and new processors wake it earlier. Claimed jobs run in its job
 * runner (`createJobRunner`), whose job ends come back here as wake-ups.
 */
export const createDispatcher = (configuration: DispatcherConfiguration): Dispatcher => {
  const {clock, leaseGrace, misfireThreshold, noProcessorGrace, pollInterval, processors, reportError, store, tasks, terminateTimeout, worker} = configuration;
  /** Claimed jobs not yet handed to their timer (between the round and its `task` event). */
  const claimed = new Map<number, JobRecord>();
  /** Claimed jobs waiting for their `runAt`, by job id. */
  const waiting = new Map<number, JobRecord>();
  /** One timer per distinct start time: the jobs due then, their attempts built ahead (so that the timer only calls processors). */
  const startTimers = new Map<number, Array<{readonly job: JobRecord; readonly run: (processor: Processor) => void}>>();
  const stopStarts = new AbortController();
  let wake: WakeTimes = NO_WAKE;
  let materializeRequested = true;
  let claimRequested = true;
  let failures = 0;
  let graceEndsAt: number | null = null;
  let lastFullRoundAt = Number.NEGATIVE_INFINITY;
  /** Planning of slots not yet due, running beside the rounds. */
  let planning: Promise<void> | null = null;
  /** How many plannings beside the rounds have ended: a wake-times read that overlapped one has a stale `nextRunAt`. */
  let plannings = 0;
  let terminating = false;
  /** The claim in flight: `terminate` waits for it until `terminateTimeout`, then `cancel` gives it up. */
  let claiming: {readonly cancel: AbortController; readonly settled: Promise<void>} | null = null;

  const request = ({claim = false, materialize: plan = false}: {readonly claim?: boolean; readonly materialize?: boolean}) => {
    if (terminating) {
      return;
    }

    materializeRequested ||= plan;
    claimRequested ||= claim;
    planton.trigger(DISPATCHER);
  };

  const runner = createJobRunner({
    clock,
    emit: configuration.emit,
    getRetryPolicy: configuration.getRetryPolicy,
    leaseGrace,
    noProcessorGrace,
    noProcessorRetryDelays: configuration.noProcessorRetryDelays,
    onJobEnded: (_taskName, state) => {
      // A retry is due later (a new wake time), or a concurrency slot is free for a job that waits for one.
      if ((state !== 'DONE' && state !== 'ERROR') || wake.blocked) {
        request({claim: true});
      }
    },
    random: configuration.random,
    reportError,
    store,
  });

  const materialize = async (taskNames: readonly string[], now: number): Promise<readonly TaskRecord[]> => {
    const planned = await store.materializeJobs({
      now,
      plan: (task) => planMaterialization({horizon: MATERIALIZE_AHEAD, misfireThreshold, now, task}),
      taskNames,
      until: now + MATERIALIZE_AHEAD,
    });

    for (const record of planned) {
      if (tasks.has(record.name)) {
        tasks.set(record.name, record);
      }
    }

    return planned;
  };

  /**
   * Claims due jobs. One that lands once `terminate` has begun is not emitted: its jobs wait with the
   * others that have not started, which `terminate` gives back (or, if it has done so already, they
   * are given back at once). One that `terminate` gave up on claims nothing.
   */
  const claim = async (input: Omit<Parameters<SchedulerStore['claimJobs']>[0], 'signal'>): Promise<readonly JobRecord[]> => {
    const cancel = new AbortController();
    const pending = store.claimJobs({...input, signal: cancel.signal}).then((jobs) => {
      if (!terminating) {
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

  const round = async (limit: number): Promise<readonly number[]> => {
    const now = clock.now();
    const names = [...tasks.keys()];

    if (names.length === 0) {
      // Nothing to plan or claim: the requests are answered (else calculateDelay returned 0 round
      // after round, a busy loop of a core while no task exists). A task added later requests again.
      wake = NO_WAKE;
      materializeRequested = false;
      claimRequested = false;
      // Counts as the full round: the next comes after pollInterval.
      lastFullRoundAt = now;

      return [];
    }

    const unprocessed = names.filter((name) => !processors.has(name));
    const full = now >= lastFullRoundAt + pollInterval;
    // Taken with the task lists above: a request made while this round awaits the store (a processor
    // added, a job rescheduled) stays set and gets a round of its own, which sees what it changed.
    // Cleared later, it was swallowed by this round's claim for the tasks as they were at its start.
    const claimWanted = claimRequested;

    claimRequested = false;

    try {
      if (full) {
        lastFullRoundAt = now;
      }

      if (materializeRequested || (wake.nextRunAt !== null && wake.nextRunAt <= now)) {
        // Due slots: their jobs exist (with their slot counts) before this round claims.
        materializeRequested = false;
        await materialize(names, now);
      } else if (planning === null && (full || (wake.nextRunAt !== null && wake.nextRunAt <= now + MATERIALIZE_WHEN))) {
        planning = materialize(names, now).then(() => {
          const next = earliest(...[...tasks.values()].map((task) => task.nextRunAt));

          wake = {...wake, nextRunAt: Number.isFinite(next) ? next : null};
        }, (error: unknown) => {
          reportError(error, null);
        }).finally(() => {
          planning = null;
          plannings++;

          if (!terminating) {
            planton.trigger(DISPATCHER);
          }
        });
      }

      if (full || (wake.leaseUntil !== null && wake.leaseUntil + leaseGrace <= now)) {
        await runner.recoverExpired(names, now);
      }

      graceEndsAt = await runner.postponeUnprocessed(unprocessed, now);

      // A terminating instance claims nothing more.
      if (terminating) {
        return [];
      }

      let jobs: readonly JobRecord[] = [];
      // Read now rather than at the start of the round: a processor added during the awaits above
      // (a remote worker connecting) asked for a claim, and this claim is the one that answers it.
      let claimable = names.filter((name) => processors.has(name));

      if (claimWanted || full || wake.blocked || (wake.claimAt !== null && wake.claimAt <= now + CLAIM_AHEAD)) {
        const batch = Math.min(limit, CLAIM_BATCH);

        jobs = await claim({claimUntil: now + CLAIM_AHEAD, limit: batch, now, taskNames: claimable, worker});
        // A full batch: more may be due at once. A request made during the claim (a processor added) stands.
        claimRequested ||= jobs.length >= batch;
        claimable = names.filter((name) => processors.has(name));
      }

      // After a full batch the next round comes at once and reads the wake times then.
      if (!claimRequested && !terminating) {
        const planningsBefore = plannings;
        const planningBefore = planning;
        const fresh = await store.getWakeTimes({
          claimableTaskNames: claimable,
          claimUntil: now + CLAIM_AHEAD,
          leaseAfter: now - leaseGrace,
          taskNames: names,
          unprocessedAfter: now - noProcessorGrace,
          unprocessedTaskNames: names.filter((name) => !processors.has(name)),
        });

        // A planning beside this read makes its `nextRunAt` stale: the planning's own is kept.
        wake = planningBefore === null && planningsBefore === plannings ? fresh : {...fresh, nextRunAt: wake.nextRunAt};
      }

      failures = 0;

      for (const job of jobs) {
        claimed.set(job.id, job);
      }

      return jobs.map((job) => job.id);
    } catch (error) {
      // The request this round took is not done: the retry round claims.
      claimRequested ||= claimWanted;
      failures++;
      throw error;
    }
  };

  const calculateDelay = (): number => {
    const now = clock.now();

    if (failures > 0) {
      return Math.min(pollInterval, 100 * 2 ** failures);
    }

    if (materializeRequested || claimRequested) {
      return 0;
    }

    const wakeAt = earliest(
      wake.nextRunAt === null || planning !== null ? null : wake.nextRunAt - MATERIALIZE_WHEN,
      wake.claimAt === null ? null : wake.claimAt - CLAIM_AHEAD,
      wake.unprocessedRunAt === null ? null : wake.unprocessedRunAt + noProcessorGrace,
      wake.leaseUntil === null ? null : wake.leaseUntil + leaseGrace,
      graceEndsAt,
      lastFullRoundAt + pollInterval,
    );

    return Math.max(0, Math.min(wakeAt, now + pollInterval) - now);
  };

  const planton = createPlanton<number>({
    clock,
    getActiveTaskInstructions: () => [...runner.getRunningJobIds(), ...waiting.keys()],
    tasks: [{
      calculateDelay,
      concurrency: Number.MAX_SAFE_INTEGER,
      name: DISPATCHER,
      schedule: async ({limit}) => await round(limit),
    }],
    terminateTimeout: Math.max(ROUND_WAIT_AT_TERMINATE, terminateTimeout),
  });

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

  const start = (job: JobRecord, run: (processor: Processor) => void = runner.prepare(job)) => {
    run(processors.get(job.taskName) ?? ((running) => {
      void running.fail(new UnknownScheduledTaskError(job.taskName, ': its processor was removed while the job was claimed'));
    }));
  };

  // The claim's own error (server_unreachable, …) arrives as it was thrown; the engine's wrappers give way to what they wrap.
  planton.events.on('error', ({error}) => {
    reportError(error instanceof UserFunctionError || error instanceof TaskListenerError ? error.cause : error, null);
  });

  planton.events.on('task', ({instruction: jobId}) => {
    const job = claimed.get(jobId);

    claimed.delete(jobId);

    if (job === undefined) {
      return;
    }

    if (terminating) {
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
  });

  return {
    materialize: async (taskNames) => await materialize(taskNames, clock.now()),
    request,
    terminate: async () => {
      terminating = true;

      // One grace for the claim in flight and the running jobs. Set before the engine's own wait for
      // the round (as long or longer), so that at the same time the claim is given up first.
      const grace = new AbortController();
      const graceEnded = clock.sleep(terminateTimeout, grace.signal);

      void graceEnded.then(() => {
        if (!grace.signal.aborted) {
          // The store rolls the claim back when its answer comes, or gives back what a COMMIT already on its way claimed.
          claiming?.cancel.abort(new SchedulerTerminatedError('claim jobs'));
        }
      });

      await planton.terminate();
      // Settled with the round, unless the engine abandoned it (only past the grace, once the claim was given up).
      await claiming?.settled;
      await planning;
      stopStarts.abort();

      const unstarted = [...waiting.values()];

      waiting.clear();
      await release(unstarted);
      await Promise.race([runner.whenIdle(), graceEnded]);
      grace.abort();
      runner.abortAll();
      runner.disarmTimeouts();
      // Jobs that end on their abort end within a turn: their ends are among the calls waited for below.
      await Promise.race([runner.whenIdle(), clock.sleep(0)]);
      // No store call this instance started runs after terminate: the ends, logs and give-backs in flight.
      await runner.whenStoreCallsSettled();
      await Promise.all(releases);
    },
  };
};
