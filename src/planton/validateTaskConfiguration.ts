import {describeValue} from './describeValue.ts';
import {InvalidTaskConfigurationNameError} from './errors.ts';
import type {CalculateDelay, TaskConfiguration, TaskInstruction} from './types.ts';

/** A task's configuration with defaults applied; what the loop runs on. */
export type ResolvedTask<Instruction extends TaskInstruction> = {
  readonly calculateDelay: CalculateDelay;
  /** `null`: the default, `concurrency - activeTaskInstructions.length`, computed inline. */
  readonly calculateLimit: NonNullable<TaskConfiguration<Instruction>['calculateLimit']> | null;
  readonly concurrency: number;
  readonly name: string;
  readonly schedule: TaskConfiguration<Instruction>['schedule'];
  readonly scheduleTimeout: number | undefined;
};

export const defaultCalculateDelay: CalculateDelay = () => {
  return 1_000;
};

/**
 * Validates a task's configuration and applies the defaults. Pure; throws
 * `InvalidTaskConfigurationNameError` (code `INVALID_TASK_CONFIGURATION`, or planton@3's
 * `UNEXPECTED_STATE_ERROR` for a missing or empty name) naming the option at fault.
 */
export const validateTaskConfiguration = <Instruction extends TaskInstruction>(task: TaskConfiguration<Instruction>): ResolvedTask<Instruction> => {
  if (typeof task !== 'object' || task === null) {
    throw new InvalidTaskConfigurationNameError('', `Expected a task configuration object, got \`${describeValue(task)}\`.`, 'task');
  }

  const {name} = task;

  if (typeof name !== 'string' || name === '') {
    // planton@3 refused a falsy name (missing, empty) with UNEXPECTED_STATE_ERROR: that code stays; the rest is a new check.
    throw new InvalidTaskConfigurationNameError(typeof name === 'string' ? name : describeValue(name), `Expected \`name\` to be a non-empty string, got \`${describeValue(name)}\`.`, 'name', name ? 'INVALID_TASK_CONFIGURATION' : 'UNEXPECTED_STATE_ERROR');
  }

  const fail = (option: string, expected: string, value: unknown): never => {
    throw new InvalidTaskConfigurationNameError(name, `Expected \`${option}\` of task ${JSON.stringify(name)} to be ${expected}, got \`${describeValue(value)}\`.`, option);
  };

  if (typeof task.schedule !== 'function') {
    fail('schedule', 'a function', task.schedule);
  }

  const concurrency = task.concurrency ?? 1;

  if (!Number.isInteger(concurrency) || concurrency < 1) {
    fail('concurrency', 'an integer >= 1', concurrency);
  }

  if (task.calculateDelay !== undefined && task.delay !== undefined) {
    fail('delay', 'undefined when `calculateDelay` is given (they are the same option)', task.delay);
  }

  const calculateDelay = task.calculateDelay ?? task.delay ?? defaultCalculateDelay;

  if (typeof calculateDelay !== 'function') {
    fail(task.calculateDelay === undefined ? 'delay' : 'calculateDelay', 'a function', calculateDelay);
  }

  const calculateLimit = task.calculateLimit ?? null;

  if (calculateLimit !== null && typeof calculateLimit !== 'function') {
    fail('calculateLimit', 'a function', calculateLimit);
  }

  const {scheduleTimeout} = task;

  if (scheduleTimeout !== undefined && (!Number.isFinite(scheduleTimeout) || scheduleTimeout <= 0)) {
    fail('scheduleTimeout', 'a finite number > 0', scheduleTimeout);
  }

  return {
    calculateDelay,
    calculateLimit,
    concurrency,
    name,
    schedule: task.schedule,
    scheduleTimeout,
  };
};
