import {createPlanton} from '../planton/createPlanton.ts';
import {TaskListenerError, UserFunctionError} from '../planton/errors.ts';
import type {Clock} from '../planton/types.ts';
import {calculateDispatchDelay} from './calculateDispatchDelay.ts';
import {createClaimedJobs} from './createClaimedJobs.ts';
import {createJobRunner} from './createJobRunner.ts';
import {CLAIM_AHEAD, CLAIM_BATCH, MATERIALIZE_AHEAD, MATERIALIZE_WHEN} from './dispatchHorizons.ts';
import {earliest} from './earliest.ts';
import {planMaterialization} from './planMaterialization.ts';
import type {Processor} from './processorTypes.ts';
import type {JobRecord, TaskRecord} from './recordTypes.ts';
import type {SchedulerEvents} from './schedulerApiTypes.ts';
import type {RetryPolicy} from './scheduleTypes.ts';
import type {SchedulerStore, WakeTimes} from './storeTypes.ts';

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
  /**
   * Wakes the dispatcher for a round now; `materialize`/`claim` make that round plan slots and claim
   * jobs whatever the wake times say. With `dueAt` (a job created for then), no round is asked for
   * when a full round, which reads the wake times, comes before the job is to be claimed anyway.
   */
  readonly request: (work: {readonly claim?: boolean; readonly dueAt?: number; readonly materialize?: boolean}) => void;
  /**
   * Stops rounds. Waits up to `terminateTimeout` for a claim in flight (then gives it up: the store
   * rolls it back); claimed jobs whose time has not come, its own included, are given back to the
   * store. Waits up to the same `terminateTimeout` for running jobs to end and aborts the signals of
   * those still running.
   */
  readonly terminate: () => Promise<void>;
};

const NO_WAKE: WakeTimes = {blocked: false, claimAt: null, leaseUntil: null, nextRunAt: null, unprocessedRunAt: null};

/**
 * One Planton task for every scheduled task of the instance. Its `schedule` is a round: create the
 * jobs of the slots due within `MATERIALIZE_AHEAD` (all tasks, one transaction), recover jobs of dead
 * instances, postpone due jobs no processor here can run, claim the jobs due within `CLAIM_AHEAD`
 * (all tasks, one statement) and read when the next round is needed (one statement). Each claimed
 * job is a `task` event; it starts from a local timer at its `runAt`, so its lateness is the timer's,
 * not the database's. `calculateDelay` (`calculateDispatchDelay`) sleeps until the earliest of the
 * next slot to plan, the next job to claim, the end of a no-processor grace or of a lease, and
 * `pollInterval`; job ends, `schedule()`, `reschedule()` and new processors wake it earlier. The claim
 * in flight and claimed jobs until they start are kept by `createClaimedJobs`; they run in its job
 * runner (`createJobRunner`), whose job ends come back here as wake-ups.
 */
export const createDispatcher = (configuration: DispatcherConfiguration): Dispatcher => {
  const {clock, leaseGrace, misfireThreshold, noProcessorGrace, pollInterval, processors, reportError, store, tasks, terminateTimeout, worker} = configuration;
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
  /** Job ends seen here: a round compares it across its claim and wake-times read (see `round`). */
  let jobEnds = 0;

  const request = ({claim = false, dueAt, materialize: plan = false}: Parameters<Dispatcher['request']>[0]) => {
    // The next full round comes within `pollInterval` and its wake times hold the job: a round now
    // (two more statements per created job) would only read them earlier.
    if (terminating || (!plan && dueAt !== undefined && dueAt - CLAIM_AHEAD > clock.now() + pollInterval)) {
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
      jobEnds++;

      // A retry is due later (a new wake time), or a concurrency slot is free for a job that waits for one.
      if ((state !== 'DONE' && state !== 'ERROR') || wake.blocked) {
        request({claim: true});
      }
    },
    random: configuration.random,
    reportError,
    store,
  });

  const claims = createClaimedJobs({
    clock,
    isTerminating: () => terminating,
    processors,
    reportError,
    runner,
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

      // A job that ends while this round claims or reads the wake times is judged by the stale
      // `wake.blocked` of the round before: compared after the read, the count tells it happened.
      const jobEndsBeforeClaim = jobEnds;
      let jobs: readonly JobRecord[] = [];
      // Read now rather than at the start of the round: a processor added during the awaits above
      // (a remote worker connecting) asked for a claim, and this claim is the one that answers it.
      let claimable = names.filter((name) => processors.has(name));

      if (claimWanted || full || wake.blocked || (wake.claimAt !== null && wake.claimAt <= now + CLAIM_AHEAD)) {
        const batch = Math.min(limit, CLAIM_BATCH);

        jobs = await claims.claim({claimUntil: now + CLAIM_AHEAD, limit: batch, now, taskNames: claimable, worker});
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
        // A due job waits for a slot that a job ended during this round may have freed after the
        // claim looked: nothing else wakes the dispatcher for it before `pollInterval`.
        claimRequested ||= fresh.blocked && jobEnds !== jobEndsBeforeClaim;
      }

      failures = 0;

      claims.hold(jobs);

      return jobs.map((job) => job.id);
    } catch (error) {
      // The request this round took is not done: the retry round claims.
      claimRequested ||= claimWanted;
      failures++;
      throw error;
    }
  };

  const calculateDelay = (): number => calculateDispatchDelay({
    claimRequested,
    failures,
    graceEndsAt,
    lastFullRoundAt,
    leaseGrace,
    materializeRequested,
    noProcessorGrace,
    now: clock.now(),
    planning: planning !== null,
    pollInterval,
    wake,
  });

  const planton = createPlanton<number>({
    clock,
    getActiveTaskInstructions: () => [...runner.getRunningJobIds(), ...claims.getWaitingJobIds()],
    tasks: [{
      calculateDelay,
      concurrency: Number.MAX_SAFE_INTEGER,
      name: DISPATCHER,
      schedule: async ({limit}) => await round(limit),
    }],
    terminateTimeout: Math.max(ROUND_WAIT_AT_TERMINATE, terminateTimeout),
  });

  // The claim's own error (server_unreachable, …) arrives as it was thrown; the engine's wrappers give way to what they wrap.
  planton.events.on('error', ({error}) => {
    reportError(error instanceof UserFunctionError || error instanceof TaskListenerError ? error.cause : error, null);
  });

  planton.events.on('task', ({instruction: jobId}) => {
    claims.handOver(jobId);
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
          claims.abandonClaim();
        }
      });

      await planton.terminate();
      // Settled with the round, unless the engine abandoned it (only past the grace, once the claim was given up).
      await claims.claimSettled();
      await planning;
      await claims.releaseUnstarted();
      await Promise.race([runner.whenIdle(), graceEnded]);
      grace.abort();
      runner.abortAll();
      runner.disarmTimeouts();
      // Jobs that end on their abort end within a turn: their ends are among the calls waited for below.
      await Promise.race([runner.whenIdle(), clock.sleep(0)]);
      // No store call this instance started runs after terminate: the ends, logs and give-backs in flight.
      await runner.whenStoreCallsSettled();
      await claims.releasesSettled();
    },
  };
};
