/**
 * Errors of the scheduler layer. Each is a `PlantonError` with a stable `code`, the `option` it is
 * about (a dotted path such as `schedule.repeat.months` or `retry.backoff.delay`) and the `value`
 * that was rejected. Messages read like p-queue's: "Expected `timeout` to be …, got `-1`."
 */
import {describeValue} from '../planton/describeValue.ts';
import {PlantonError} from '../planton/errors.ts';
import {describeCause} from '../planton/describeCause.ts';

type ErrorOptions = {
  readonly cause?: unknown;
};


/** Base of the configuration errors below: which option, which value. */
export class InvalidSchedulerOptionError extends PlantonError {
  public readonly option: string;

  public readonly value: unknown;

  public constructor (message: string, code: string, option: string, value: unknown, options: ErrorOptions = {}) {
    super(message, code, options);
    this.option = option;
    this.value = value;
  }
}

/** `schedule` is neither a cron expression, a duration string, `{every}` nor `{date, repeat?}`. */
export class InvalidScheduleError extends InvalidSchedulerOptionError {
  public constructor (value: unknown, option = 'schedule') {
    super(
      `Expected \`${option}\` to be a cron expression, a duration such as \`15m\`, \`{every}\` or \`{date, repeat?}\`, got \`${describeValue(value)}\`.`,
      'INVALID_SCHEDULE',
      option,
      value,
    );
  }
}

/** Names of the fields of a 6-field cron expression, in order (a 5-field one has no `second`). */
export type CronField = 'dayOfMonth' | 'dayOfWeek' | 'hour' | 'minute' | 'month' | 'second';

/** croner rejected the expression. `field` names the field at fault when one alone is; croner's error is `cause`. */
export class InvalidCronExpressionError extends InvalidSchedulerOptionError {
  public readonly expression: string;

  public readonly field: CronField | null;

  public constructor (expression: string, field: CronField | null, reason: string, cause?: unknown) {
    super(
      `Expected \`schedule\` to be a cron expression of 5 or 6 fields, got \`${expression}\`: ${reason}`,
      'INVALID_CRON_EXPRESSION',
      'schedule',
      expression,
      {cause},
    );
    this.expression = expression;
    this.field = field;
  }
}

export class InvalidTimezoneError extends InvalidSchedulerOptionError {
  public constructor (value: unknown, cause?: unknown) {
    super(
      `Expected \`timezone\` to be an IANA time zone such as \`Europe/Berlin\` or an offset such as \`+02:00\`, got \`${describeValue(value)}\`.`,
      'INVALID_TIMEZONE',
      'timezone',
      value,
      {cause},
    );
  }
}

export class InvalidIntervalError extends InvalidSchedulerOptionError {
  public constructor (value: unknown, option: string) {
    super(
      `Expected \`${option}\` to be an integer number of milliseconds >= 1 or a duration such as \`15m\`, \`1h30m\` or \`500ms\`, got \`${describeValue(value)}\`.`,
      'INVALID_INTERVAL',
      option,
      value,
    );
  }
}

export class InvalidDateError extends InvalidSchedulerOptionError {
  public constructor (value: unknown, option = 'schedule.date') {
    super(
      `Expected \`${option}\` to be a valid Date, a number of milliseconds since the epoch or an ISO 8601 string, got \`${describeValue(value)}\`.`,
      'INVALID_DATE',
      option,
      value,
    );
  }
}

export class UnknownRepeatUnitError extends InvalidSchedulerOptionError {
  public readonly unit: string;

  public constructor (unit: string) {
    super(
      `Expected the units of \`schedule.repeat\` to be years, months, weeks, days, hours, minutes, seconds, milliseconds or their shorthands y, M, w, d, h, m, s, ms, got \`${unit}\`.`,
      'UNKNOWN_REPEAT_UNIT',
      `schedule.repeat.${unit}`,
      unit,
    );
    this.unit = unit;
  }
}

/** A repeat unit has a bad value, is given twice (`months` and `M`), or the period is empty. */
export class InvalidRepeatError extends InvalidSchedulerOptionError {
  public constructor (option: string, expected: string, value: unknown) {
    super(`Expected \`${option}\` to be ${expected}, got \`${describeValue(value)}\`.`, 'INVALID_REPEAT', option, value);
  }
}

/** A payload that JSON cannot hold as given (see `findNonJsonValue`): refused rather than stored as something else. */
export class InvalidPayloadError extends InvalidSchedulerOptionError {
  /** Where in the payload (`payload.items[2]`), and what JSON cannot hold there. */
  public readonly path: string;

  public constructor (fault: {readonly path: string; readonly reason: string}, value: unknown) {
    super(`Expected \`payload\` to be a JSON value, got \`${fault.path}\`: ${fault.reason}.`, 'INVALID_PAYLOAD', 'payload', value);
    this.path = fault.path;
  }
}

export class InvalidTimeoutError extends InvalidSchedulerOptionError {
  public constructor (value: unknown) {
    super(`Expected \`timeout\` to be a finite number > 0 (milliseconds), got \`${describeValue(value)}\`.`, 'INVALID_TIMEOUT', 'timeout', value);
  }
}

/** `misfire` is not `'once'`, `'all'` or `'skip'`, or a misfire option (`limit`, `misfireThreshold`) is out of range. */
export class InvalidMisfirePolicyError extends InvalidSchedulerOptionError {
  public constructor (option: string, expected: string, value: unknown) {
    super(`Expected \`${option}\` to be ${expected}, got \`${describeValue(value)}\`.`, 'INVALID_MISFIRE_POLICY', option, value);
  }
}

export class InvalidRetryPolicyError extends InvalidSchedulerOptionError {
  public constructor (option: string, expected: string, value: unknown) {
    super(`Expected \`${option}\` to be ${expected}, got \`${describeValue(value)}\`.`, 'INVALID_RETRY_POLICY', option, value);
  }
}

/** A backoff function returned something that is not a delay. */
export class InvalidRetryDelayError extends InvalidSchedulerOptionError {
  public readonly attempt: number;

  public constructor (attempt: number, value: unknown) {
    super(
      `Expected \`retry.backoff(${attempt})\` to return a finite number >= 0 (milliseconds), got \`${describeValue(value)}\`.`,
      'INVALID_RETRY_DELAY',
      'retry.backoff',
      value,
    );
    this.attempt = attempt;
  }
}

/**
 * Job and runtime errors. The four codes the issue names are lower case (`job_timed_out`, `job_done`,
 * `job_failed`, `server_unreachable`): they are part of the public contract as specified.
 */

/** A job ran past its task's `timeout`. */
export class JobTimedOutError extends PlantonError {
  public readonly jobId: number;

  public readonly timeout: number;

  public constructor (jobId: number, timeout: number) {
    super(`Job ${jobId} did not finish within its timeout of ${timeout} ms.`, 'job_timed_out');
    this.jobId = jobId;
    this.timeout = timeout;
  }
}

/** `done`, `fail`, `log` or `progress` on a job that is already done. */
export class JobDoneError extends PlantonError {
  public readonly jobId: number;

  public constructor (jobId: number, operation: string) {
    super(`Cannot \`${operation}\` job ${jobId}: it is already done.`, 'job_done');
    this.jobId = jobId;
  }
}

/** `done`, `fail`, `log` or `progress` on a job that already failed. */
export class JobFailedError extends PlantonError {
  public readonly jobId: number;

  public constructor (jobId: number, operation: string) {
    super(`Cannot \`${operation}\` job ${jobId}: it already failed.`, 'job_failed');
    this.jobId = jobId;
  }
}

/** The store could not be reached (connection refused, lost, timed out). The driver's error is `cause`. */
export class ServerUnreachableError extends PlantonError {
  public constructor (cause: unknown) {
    const reason = describeCause(cause);

    super(`The scheduler store cannot be reached: ${reason}`, 'server_unreachable', {cause});
  }
}

/**
 * A store operation got no answer within the store's `queryTimeout` (a network that drops packets
 * rather than refusing connections): the `cause` of a `server_unreachable`. A change of a task, or a
 * reschedule or cancel of a job, is rolled back when it gets to its COMMIT after the timeout (only a
 * COMMIT already sent may still land); a claim or the end of an attempt may still apply later, at
 * most once (every change of a job is fenced, and a late claim is given back).
 */
export class StoreTimeoutError extends PlantonError {
  public readonly operation: string;

  public readonly timeout: number;

  public constructor (operation: string, timeout: number) {
    super(`\`${operation}\` got no answer within ${timeout} ms.`, 'STORE_TIMEOUT');
    this.operation = operation;
    this.timeout = timeout;
  }
}

/** No scheduler instance had a processor for a due job, after every retry of `noProcessorRetryDelays`. */
export class NoProcessorError extends PlantonError {
  public readonly taskName: string;

  public constructor (taskName: string, tries: number) {
    super(`No processor for task \`${taskName}\` was registered in any scheduler instance (the job was due ${tries} times); register one with \`addProcessor('${taskName}', handler)\`.`, 'NO_PROCESSOR');
    this.taskName = taskName;
  }
}

/** A processor failed the job without an error (`job.fail()`, `job.fail(callback)`), or with a value that is not an Error. */
export class JobHandlerError extends PlantonError {
  public readonly jobId: number;

  public constructor (jobId: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : cause === undefined ? 'its processor called `fail()` without an error' : describeValue(cause);

    super(`Job ${jobId} failed: ${reason}`, 'JOB_HANDLER_ERROR', {cause});
    this.jobId = jobId;
  }
}

export class UnknownScheduledTaskError extends PlantonError {
  public readonly taskName: string;

  public constructor (taskName: string, context = '') {
    super(`No scheduled task is named \`${taskName}\`${context}.`, 'UNKNOWN_TASK');
    this.taskName = taskName;
  }
}

export class DuplicateScheduledTaskError extends PlantonError {
  public readonly taskName: string;

  public constructor (taskName: string, what = 'task') {
    super(`A ${what} named \`${taskName}\` is already registered in this scheduler.`, 'DUPLICATE_TASK_NAME');
    this.taskName = taskName;
  }
}

export class UnknownJobError extends PlantonError {
  public readonly jobId: number;

  public constructor (jobId: number) {
    super(`No job has the id ${jobId}.`, 'UNKNOWN_JOB');
    this.jobId = jobId;
  }
}

/** `cancel`, `reschedule` or `retryJob` of a job whose state does not allow it. */
export class InvalidJobStateError extends PlantonError {
  public readonly jobId: number;

  public readonly state: string;

  public constructor (jobId: number, operation: string, state: string, allowed: string) {
    super(`Cannot ${operation} job ${jobId}: it is ${state}; only ${allowed} jobs can be.`, 'INVALID_JOB_STATE');
    this.jobId = jobId;
    this.state = state;
  }
}

export class SchedulerTerminatedError extends PlantonError {
  public constructor (operation: string) {
    super(`Cannot ${operation}: the scheduler is terminated.`, 'SCHEDULER_TERMINATED');
  }
}

/** An argument of a job or task operation (`listJobs`, `pruneJobs`, …) is invalid: which `option`, which `value`. */
export class InvalidSchedulerArgumentError extends InvalidSchedulerOptionError {
  public constructor (option: string, expected: string, value: unknown) {
    super(`Expected \`${option}\` to be ${expected}, got \`${describeValue(value)}\`.`, 'INVALID_ARGUMENT', option, value);
  }
}

/** A scheduler or store option is invalid. */
export class InvalidSchedulerConfigurationError extends InvalidSchedulerOptionError {
  public constructor (option: string, expected: string, value: unknown) {
    super(`Expected \`${option}\` to be ${expected}, got \`${describeValue(value)}\`.`, 'INVALID_SCHEDULER_CONFIGURATION', option, value);
  }
}

/**
 * A listener given to `onComplete` threw or rejected: reported as the scheduler's `error` event (the
 * listener's error is `cause`); the job stays DONE and the other listeners still ran.
 */
export class CompletionListenerError extends PlantonError {
  public readonly jobId: number;

  public readonly taskName: string;

  public constructor (taskName: string, jobId: number, cause: unknown) {
    super(`An \`onComplete\` listener of task \`${taskName}\` failed for job ${jobId}: ${describeCause(cause)}`, 'COMPLETION_LISTENER_FAILED', {cause});
    this.jobId = jobId;
    this.taskName = taskName;
  }
}

/**
 * A processor completed its job with a result JSON cannot hold (a bigint, a cycle, a Map, …): the job
 * is DONE and its `succeeded` event has the value, but the job stores `null` as its result (reported
 * as the scheduler's `error` event).
 */
export class UnstorableJobResultError extends PlantonError {
  public readonly jobId: number;

  /** Where in the result (`result.rows[2].id`), and what JSON cannot hold there. */
  public readonly path: string;

  public constructor (jobId: number, fault: {readonly path: string; readonly reason: string}) {
    super(`Job ${jobId} is done but its result cannot be stored (\`${fault.path}\`: ${fault.reason}); it stores \`null\` instead.`, 'UNSTORABLE_JOB_RESULT');
    this.jobId = jobId;
    this.path = fault.path;
  }
}

/** A step of `compose([...steps])` failed: the composed job fails with this error, the step's own error as `cause`. */
export class ComposedStepError extends PlantonError {
  public readonly jobId: number;

  /** The index of the failed step in the array given to `compose`, from 0. */
  public readonly stepIndex: number;

  public constructor (jobId: number, stepIndex: number, stepCount: number, cause: unknown) {
    super(`Job ${jobId} failed at step ${stepIndex} of ${stepCount}: ${describeCause(cause)}`, 'COMPOSED_STEP_FAILED', {cause});
    this.jobId = jobId;
    this.stepIndex = stepIndex;
  }
}
