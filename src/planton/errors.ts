/**
 * Every error Planton throws or emits is a `PlantonError` with a stable `code`.
 * The class hierarchy of planton@3 is kept: every coded error below also is an
 * `UnexpectedStateError`, so `instanceof` checks written for planton@3 still hold.
 */
import {describeCause} from './describeCause.ts';
import {describeValue} from './describeValue.ts';

type ErrorOptions = {
  readonly cause?: unknown;
};

export class PlantonError extends Error {
  public readonly code: string;

  public constructor (message: string, code: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause});
    this.code = code;
    this.name = new.target.name;
  }
}

export class UnexpectedStateError extends PlantonError {
  public constructor (message: string, code = 'UNEXPECTED_STATE_ERROR', options: ErrorOptions = {}) {
    super(message, code, options);
  }
}

/** Engine-level configuration (not a task's) is invalid. Thrown by `createPlanton`. */
export class InvalidConfigurationError extends UnexpectedStateError {
  public readonly option: string;

  public constructor (option: string, message: string) {
    super(message, 'INVALID_CONFIGURATION');
    this.option = option;
  }
}

/**
 * A task's configuration is invalid. Thrown by `createPlanton` and `addTask`. Its code is
 * `INVALID_TASK_CONFIGURATION`, but for a missing or empty `name`, which planton@3 refused as
 * `UNEXPECTED_STATE_ERROR` and which keeps that code.
 */
export class InvalidTaskConfigurationNameError extends UnexpectedStateError {
  public readonly taskName: string;

  public readonly option: string;

  public constructor (taskName: string, message: string, option = 'name', code = 'INVALID_TASK_CONFIGURATION') {
    super(message, code);
    this.taskName = taskName;
    this.option = option;
  }
}

export class DuplicateTaskNameError extends UnexpectedStateError {
  public readonly duplicateTaskName: string;

  public constructor (duplicateTaskName: string) {
    super(`Task name \`${duplicateTaskName}\` is duplicate.`, 'DUPLICATE_TASK_NAME');
    this.duplicateTaskName = duplicateTaskName;
  }
}

export class UnknownTaskError extends UnexpectedStateError {
  public readonly taskName: string;

  public constructor (taskName: string) {
    super(`No task is named \`${taskName}\`.`, 'UNKNOWN_TASK');
    this.taskName = taskName;
  }
}

export class PlantonTerminatedError extends UnexpectedStateError {
  public constructor (message: string) {
    super(message, 'PLANTON_TERMINATED');
  }
}

/** `schedule` (or `getActiveTaskInstructions`) returned something that is not a valid list of instructions. */
export class UnexpectedTaskInstructionsError extends UnexpectedStateError {
  public readonly taskName: string;

  public readonly unexpectedTaskInstructions: unknown;

  public constructor (taskName: string, unexpectedTaskInstructions: unknown, reason = 'Unexpected task instructions.') {
    super(reason, 'UNEXPECTED_TASK_INSTRUCTIONS');
    this.taskName = taskName;
    this.unexpectedTaskInstructions = unexpectedTaskInstructions;
  }
}

/**
 * `calculateLimit` returned something other than an integer >= 0. Its code is planton@3's for the
 * same failure, `UNEXPECTED_STATE_ERROR`: tell it apart by its class or by the event's `functionName`.
 */
export class InvalidLimitError extends UnexpectedStateError {
  public readonly taskName: string;

  public readonly limit: unknown;

  public constructor (taskName: string, limit: unknown) {
    super(`Expected \`calculateLimit\` of task \`${taskName}\` to return an integer >= 0, got \`${describeValue(limit)}\`.`);
    this.taskName = taskName;
    this.limit = limit;
  }
}

export class InvalidDelayError extends UnexpectedStateError {
  public readonly taskName: string;

  public readonly delay: unknown;

  public constructor (taskName: string, delay: unknown, fallbackDelay: number) {
    super(`Expected \`calculateDelay\` of task \`${taskName}\` to return a finite number >= 0, got \`${describeValue(delay)}\`; waiting ${fallbackDelay} ms instead.`, 'INVALID_DELAY');
    this.taskName = taskName;
    this.delay = delay;
  }
}

export type UserFunctionName = 'calculateDelay' | 'calculateLimit' | 'getActiveTaskInstructions' | 'schedule';

/**
 * A user function threw or rejected with a value that is not an `Error` (a string, `undefined`, a
 * plain object); that value is `cause`. A thrown `Error` is not wrapped: the `error` event carries it
 * as planton@3 did, with the function's name as the event's `functionName`.
 */
export class UserFunctionError extends UnexpectedStateError {
  public readonly taskName: string;

  public readonly functionName: UserFunctionName;

  public constructor (taskName: string, functionName: UserFunctionName, cause: unknown) {
    const reason = describeCause(cause);
    super(`\`${functionName}\` of task \`${taskName}\` failed: ${reason}`, 'USER_FUNCTION_ERROR', {cause});
    this.taskName = taskName;
    this.functionName = functionName;
  }
}

/** A call to `schedule` or `getActiveTaskInstructions` did not settle within `scheduleTimeout` (or was abandoned at termination). */
export class ScheduleTimeoutError extends UnexpectedStateError {
  public readonly taskName: string;

  public readonly functionName: UserFunctionName;

  public readonly timeout: number;

  public constructor (taskName: string, functionName: UserFunctionName, timeout: number) {
    super(`\`${functionName}\` of task \`${taskName}\` did not settle within ${timeout} ms; the call was abandoned.`, 'SCHEDULE_TIMEOUT');
    this.taskName = taskName;
    this.functionName = functionName;
    this.timeout = timeout;
  }
}

/** A `task` event listener threw. The instruction was still delivered to the other listeners. */
export class TaskListenerError extends UnexpectedStateError {
  public readonly taskName: string;

  public readonly instruction: unknown;

  public constructor (taskName: string, instruction: unknown, cause: unknown) {
    super(`A \`task\` listener threw for task \`${taskName}\`.`, 'TASK_LISTENER_ERROR', {cause});
    this.taskName = taskName;
    this.instruction = instruction;
  }
}

/** Planton was imported on a Node.js older than the one `engines` names (thrown at import). */
export class UnsupportedNodeVersionError extends UnexpectedStateError {
  public readonly nodeVersion: string;

  public readonly requiredMajor: number;

  public constructor (nodeVersion: string, requiredMajor: number) {
    super(`Planton requires Node.js ${requiredMajor} or newer; this is Node.js ${nodeVersion}.`, 'UNSUPPORTED_NODE_VERSION');
    this.nodeVersion = nodeVersion;
    this.requiredMajor = requiredMajor;
  }
}
