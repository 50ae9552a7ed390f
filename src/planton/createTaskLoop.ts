import type {ReportError} from './createErrorReporter.ts';
import {TIMER_IDLE, TIMER_IMMEDIATE, type TimerQueue, type TimerTarget} from './createTimerQueue.ts';
import {
  InvalidDelayError,
  InvalidLimitError,
  PlantonTerminatedError,
  ScheduleTimeoutError,
  UnexpectedTaskInstructionsError,
  UserFunctionError,
  type UserFunctionName,
} from './errors.ts';
import type {
  ActiveTaskInstructionsContext,
  Clock,
  ErrorEvent,
  GetActiveTaskInstructions,
  TaskInstruction,
  TaskStats,
} from './types.ts';
import type {ResolvedTask} from './validateTaskConfiguration.ts';
import {
  isValidDelay,
  isValidLimit,
  validateTaskInstructions,
} from './validateTaskInstructions.ts';

/** What to wait when `calculateDelay` fails, so a broken delay function never spins the CPU. */
const FALLBACK_DELAY = 1_000;

/** The abort reason of a stopped task's signal: one shared instance, since creating a DOMException per abort is costly at 10,000 tasks. */
const STOPPED = new PlantonTerminatedError('The task was stopped.');

/** How a round ended: it decides the next attempt number. */
type RoundResult = 'EMITTED' | 'FULL' | 'NOTHING';

/** The user call a loop is making; a loop makes one at a time. */
type Step = 'ACTIVE' | 'DELAY' | 'LIMIT' | 'SCHEDULE';

const FUNCTION_NAMES: Readonly<Record<Step, UserFunctionName>> = {
  ACTIVE: 'getActiveTaskInstructions',
  DELAY: 'calculateDelay',
  LIMIT: 'calculateLimit',
  SCHEDULE: 'schedule',
};

const NO_INSTRUCTIONS: readonly never[] = Object.freeze([]);

/** Runs `start` when a `maxConcurrentCalls` slot is free; `start` calls `release` exactly once. */
export type RunInSlot = (start: (release: () => void) => void) => void;

export type TaskLoopConfiguration<Instruction extends TaskInstruction> = {
  readonly clock: Clock;
  readonly emitTask: (taskName: string, instruction: Instruction) => void;
  readonly getActiveTaskInstructions: GetActiveTaskInstructions<Instruction>;
  readonly reportError: ReportError<ErrorEvent>;
  /** Present when `maxConcurrentCalls` bounds user calls. */
  readonly runInSlot: RunInSlot | null;
  readonly task: ResolvedTask<Instruction>;
  readonly terminateTimeout: number;
  readonly timers: TimerQueue;
};

export type TaskLoop = {
  readonly getStats: () => TaskStats;
  /** Stops the loop: cancels its delay, aborts in-flight calls' signals, waits for the round (abandoning a call that ignores its signal after `terminateTimeout`). */
  readonly stop: () => Promise<void>;
  readonly trigger: () => void;
};

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> => {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
};

/**
 * One task's loop as a state machine: delay → getActiveTaskInstructions → limit → schedule →
 * validate → emit. A class rather than a factory's closure (STYLE's default), deliberately: an idle
 * task is then one small record whose methods live on a shared prototype — 10,000 tasks with two
 * dozen closures each cost ~27 MB more. Synchronous user functions continue at once; an idle task
 * waits as one entry in the engine's shared timer queue.
 */
class TaskLoopMachine<Instruction extends TaskInstruction> implements TaskLoop, TimerTarget {
  private readonly configuration: TaskLoopConfiguration<Instruction>;

  private readonly stopController = new AbortController();

  /** `stopController.signal`, read once: the getter is not free on a path taken thousands of times a second. */
  private readonly stopSignal: AbortSignal;

  private readonly stopContext: ActiveTaskInstructionsContext;

  private attemptNumber = 0;

  private errors = 0;

  private instructionsEmitted = 0;

  private lastRoundDurationMs: number | null = null;

  private roundInFlight = false;

  private roundStartedAt = 0;

  private rounds = 0;

  private triggered = false;

  /** The timer queue's bookkeeping of this loop's wait (see TimerTarget). */
  public timerAt = 0;

  public timerIndex = TIMER_IDLE;

  public timerSequence = 0;

  private stopping = false;

  private stopped: Promise<void> | null = null;

  private onStopped: (() => void) | null = null;

  /** The round's active instructions and limit, kept here so a round allocates no closures. */
  private roundActive: readonly Instruction[] = NO_INSTRUCTIONS;

  private roundLimit = 0;

  /** A call's settlement counts only while its token is current; abandoning a call moves the token on. */
  private callToken = 0;

  private pendingStep: Step | null = null;

  private pendingTimer: AbortController | null = null;

  private pendingTimeoutController: AbortController | null = null;

  private releaseSlot: (() => void) | null = null;

  /** The step abandoned at stop, whose call may still settle late. */
  private abandonedStep: Step | null = null;

  /**
   * Without `scheduleTimeout` a call can be abandoned only at stop, after which the loop makes no
   * new call: one pair of handlers per loop tells the pending call from a late one, so a round
   * allocates no per-call closures.
   */
  private readonly onPendingValue = (value: unknown): void => {
    const step = this.pendingStep;

    if (step === null) {
      if (this.abandonedStep === 'SCHEDULE') {
        this.accept(value, this.roundLimit);
      }

      return;
    }

    this.settle();
    this.resume(step, value);
  };

  private readonly onPendingError = (error: unknown): void => {
    const step = this.pendingStep ?? this.abandonedStep ?? 'SCHEDULE';

    if (this.pendingStep === null) {
      this.reportFailure(step, error, 'rejected after it was abandoned');

      return;
    }

    this.settle();
    this.reportFailure(step, error, 'rejected');
    this.fail(step);
  };

  public constructor (configuration: TaskLoopConfiguration<Instruction>) {
    this.configuration = configuration;
    this.stopSignal = this.stopController.signal;
    this.stopContext = {signal: this.stopSignal};

    // Start on a microtask, so listeners attached right after createPlanton() see the first round's events.
    queueMicrotask(() => {
      this.next();
    });
  }

  public getStats (): TaskStats {
    return {
      attemptNumber: this.attemptNumber,
      errors: this.errors,
      instructionsEmitted: this.instructionsEmitted,
      lastRoundDurationMs: this.lastRoundDurationMs,
      roundInFlight: this.roundInFlight,
      rounds: this.rounds,
    };
  }

  public stop (): Promise<void> {
    if (this.stopped) {
      return this.stopped;
    }

    this.stopping = true;
    this.stopController.abort(STOPPED);

    this.configuration.timers.cancel(this);

    if (!this.roundInFlight && this.pendingStep === null) {
      this.stopped = Promise.resolve();

      return this.stopped;
    }

    const grace = new AbortController();

    this.stopped = new Promise<void>((resolve) => {
      this.onStopped = () => {
        this.onStopped = null;
        grace.abort();
        resolve();
      };
    });

    void this.configuration.clock.sleep(this.configuration.terminateTimeout, grace.signal).then(() => {
      if (!grace.signal.aborted) {
        this.abandon(this.configuration.terminateTimeout);
      }
    });

    return this.stopped;
  }

  public trigger (): void {
    this.triggered = true;

    // Waiting out a delay: wake now. (During a round or a delay calculation, the flag does it.)
    if (this.timerIndex !== TIMER_IDLE && this.timerIndex !== TIMER_IMMEDIATE) {
      this.configuration.timers.add(0, this);
    }
  }

  /** Called by the timer queue when the wait is over. */
  public onTimer (): void {
    const {runInSlot, clock} = this.configuration;

    this.triggered = false;
    this.roundInFlight = true;
    this.rounds++;
    this.roundStartedAt = clock.monotonic?.() ?? clock.now();

    if (runInSlot === null) {
      this.invoke('ACTIVE');
    } else {
      this.invokeInSlot('ACTIVE', runInSlot);
    }
  }

  /** Reports an error of the step's user function (`functionName` on the event says which). */
  private report (step: Step, error: Error, message: string): void {
    this.errors++;
    this.configuration.reportError({error, functionName: FUNCTION_NAMES[step], taskName: this.configuration.task.name}, message);
  }

  /**
   * The step's user function threw or rejected: the event carries its own error, as planton@3's did
   * (a user's `error.code` check holds); a thrown value that is not an `Error` is wrapped in a
   * `UserFunctionError` whose `cause` it is.
   */
  private reportFailure (step: Step, error: unknown, how: string): void {
    const functionName = FUNCTION_NAMES[step];

    this.report(step, error instanceof Error ? error : new UserFunctionError(this.configuration.task.name, functionName, error), `${functionName} ${how}`);
  }

  /** Makes the user call of `step`; may throw, may return a promise. */
  private call (step: Step, signal: AbortSignal): unknown {
    const {getActiveTaskInstructions, task} = this.configuration;

    switch (step) {
      case 'ACTIVE':
        return getActiveTaskInstructions(task.name, signal === this.stopSignal ? this.stopContext : {signal});
      case 'DELAY':
        return task.calculateDelay(this.attemptNumber);
      case 'LIMIT':
        return (task.calculateLimit as NonNullable<typeof task.calculateLimit>)(task.concurrency, this.roundActive);
      case 'SCHEDULE':
        return task.schedule({activeTaskInstructions: this.roundActive, concurrency: task.concurrency, limit: this.roundLimit, signal, taskName: task.name});
    }
  }

  /**
   * Calls a user function so that nothing it does can stop the loop: a throw or rejection becomes an
   * `error` event and the step's failure path; a promise that has not settled after
   * `scheduleTimeout` (or at stop) is abandoned. Instructions an abandoned `schedule` returns late
   * are still validated and emitted, so nothing it claimed is lost.
   */
  private invoke (step: Step): void {
    const {clock, task} = this.configuration;
    const timeout = step === 'ACTIVE' || step === 'SCHEDULE' ? task.scheduleTimeout : undefined;
    const timeoutController = timeout === undefined ? null : new AbortController();
    const signal = timeoutController ? AbortSignal.any([this.stopSignal, timeoutController.signal]) : this.stopSignal;
    let result: unknown;

    try {
      result = this.call(step, signal);
    } catch (error) {
      this.reportFailure(step, error, 'threw');
      this.fail(step);

      return;
    }

    if (!isPromiseLike(result)) {
      this.resume(step, result);

      return;
    }

    this.pendingStep = step;

    if (timeout === undefined) {
      result.then(this.onPendingValue, this.onPendingError);

      return;
    }

    // With a timeout, calls can be abandoned while the loop goes on: each call gets a token.
    const token = ++this.callToken;
    const limit = this.roundLimit;
    const timer = new AbortController();

    this.pendingTimeoutController = timeoutController;
    this.pendingTimer = timer;
    void clock.sleep(timeout, timer.signal).then(() => {
      if (!timer.signal.aborted && this.callToken === token) {
        this.abandon(timeout);
      }
    });

    result.then((value) => {
      if (this.callToken === token) {
        this.settle();
        this.resume(step, value);
      } else if (step === 'SCHEDULE') {
        this.accept(value, limit);
      }
    }, (error: unknown) => {
      if (this.callToken === token) {
        this.settle();
        this.reportFailure(step, error, 'rejected');
        this.fail(step);
      } else {
        this.reportFailure(step, error, 'rejected after it was abandoned');
      }
    });
  }

  /** `invoke` within a `maxConcurrentCalls` slot. */
  private invokeInSlot (step: Step, runInSlot: RunInSlot): void {
    runInSlot((release) => {
      this.releaseSlot = release;

      if (this.stopping) {
        this.fail(step);
      } else {
        this.invoke(step);
      }
    });
  }

  private settle (): void {
    this.callToken++;
    this.pendingStep = null;
    this.pendingTimer?.abort();
    this.pendingTimer = null;
    this.pendingTimeoutController = null;
  }

  /** Gives up on the pending call: its signal aborts, a SCHEDULE_TIMEOUT error fires, the step fails. */
  private abandon (after: number): void {
    const step = this.pendingStep;

    if (step === null) {
      return;
    }

    this.abandonedStep = step;
    this.pendingTimeoutController?.abort();
    this.settle();
    this.report(step, new ScheduleTimeoutError(this.configuration.task.name, FUNCTION_NAMES[step], after), `${FUNCTION_NAMES[step]} did not settle in time; abandoned`);
    this.fail(step);
  }

  private release (): void {
    const release = this.releaseSlot;

    if (release) {
      this.releaseSlot = null;
      release();
    }
  }

  private resume (step: Step, value: unknown): void {
    this.release();

    switch (step) {
      case 'ACTIVE':
        this.onActive(value);
        break;
      case 'DELAY':
        this.onDelay(value);
        break;
      case 'LIMIT':
        this.onLimit(value);
        break;
      case 'SCHEDULE':
        this.endRound(this.accept(value, this.roundLimit) > 0 ? 'EMITTED' : 'NOTHING');
        break;
    }
  }

  private fail (step: Step): void {
    this.release();

    if (step === 'DELAY') {
      this.wait(FALLBACK_DELAY);
    } else {
      this.endRound('NOTHING');
    }
  }

  /** Validates what `schedule` returned and emits it; returns how many instructions went out. */
  private accept (instructions: unknown, limit: number): number {
    const {emitTask, task} = this.configuration;
    const verdict = validateTaskInstructions(instructions, limit);

    if (verdict !== null) {
      this.report('SCHEDULE', new UnexpectedTaskInstructionsError(task.name, instructions, verdict), 'schedule produced an unexpected result');

      return 0;
    }

    const valid = instructions as readonly Instruction[];

    for (const instruction of valid) {
      this.instructionsEmitted++;
      emitTask(task.name, instruction);
    }

    return valid.length;
  }

  private onActive (value: unknown): void {
    const {task} = this.configuration;
    const verdict = validateTaskInstructions(value, Number.POSITIVE_INFINITY);

    if (verdict !== null) {
      this.report('ACTIVE', new UnexpectedTaskInstructionsError(task.name, value, `getActiveTaskInstructions: ${verdict}`), 'getActiveTaskInstructions produced an unexpected result');
      this.endRound('NOTHING');

      return;
    }

    const activeTaskInstructions = value as readonly Instruction[];

    if (activeTaskInstructions.length >= task.concurrency || this.stopping) {
      this.endRound('FULL');

      return;
    }

    this.roundActive = activeTaskInstructions;

    if (task.calculateLimit === null) {
      this.onLimit(task.concurrency - activeTaskInstructions.length);
    } else {
      this.invoke('LIMIT');
    }
  }

  private onLimit (limit: unknown): void {
    const {runInSlot, task} = this.configuration;

    if (!isValidLimit(limit)) {
      this.report('LIMIT', new InvalidLimitError(task.name, limit), 'calculateLimit produced an invalid limit');
      this.endRound('NOTHING');

      return;
    }

    // A limit of 0 can produce nothing: do not spend a `schedule` call (and its query) on it.
    if (limit === 0 || this.stopping) {
      this.endRound('FULL');

      return;
    }

    this.roundLimit = limit;

    if (runInSlot === null) {
      this.invoke('SCHEDULE');
    } else {
      this.invokeInSlot('SCHEDULE', runInSlot);
    }
  }

  private endRound (result: RoundResult): void {
    if (result === 'EMITTED') {
      this.attemptNumber = 0;
    } else if (result === 'NOTHING') {
      this.attemptNumber++;
    }

    this.roundInFlight = false;
    this.roundActive = NO_INSTRUCTIONS;
    const {clock} = this.configuration;

    this.lastRoundDurationMs = (clock.monotonic?.() ?? clock.now()) - this.roundStartedAt;
    this.next();
  }

  /** After a round (or at start): wait the delay for the current attempt number, or not at all when triggered. */
  private next (): void {
    if (this.stopping) {
      this.onStopped?.();
    } else if (this.triggered) {
      this.wait(0);
    } else {
      this.invoke('DELAY');
    }
  }

  private onDelay (delay: unknown): void {
    if (isValidDelay(delay)) {
      this.wait(delay);
    } else {
      this.report('DELAY', new InvalidDelayError(this.configuration.task.name, delay, FALLBACK_DELAY), 'calculateDelay produced an invalid delay');
      this.wait(FALLBACK_DELAY);
    }
  }

  private wait (delay: number): void {
    if (this.stopping) {
      this.onStopped?.();

      return;
    }

    this.configuration.timers.add(this.triggered ? 0 : delay, this);
  }
}

/** One task's independent loop; see `TaskLoopMachine`. */
export const createTaskLoop = <Instruction extends TaskInstruction>(configuration: TaskLoopConfiguration<Instruction>): TaskLoop => {
  return new TaskLoopMachine(configuration);
};
