/**
 * Errors of `planton/client`. A job's calls also answer the scheduler's codes (`job_timed_out`,
 * `job_done`, `job_failed`), thrown locally as in process, or by the hub as a `HubError` with the
 * same code.
 */
import {describeValue} from '../planton/describeValue.ts';
import {PlantonError} from '../planton/errors.ts';

/** `connectWorker` or `addProcessor` got an invalid option (thrown). */
export class InvalidWorkerConfigurationError extends PlantonError {
  public readonly option: string;

  public readonly value: unknown;

  public constructor (option: string, expected: string, value: unknown) {
    super(`Expected \`${option}\` to be ${expected}, got \`${describeValue(value)}\`.`, 'INVALID_WORKER_CONFIGURATION');
    this.option = option;
    this.value = value;
  }
}

/**
 * The server could not be reached: a connection that failed (refused, a handshake the server
 * answered with 401, …; `cause` is the socket's error), or a job's call that got no answer within
 * `deliveryTimeout` (it is still sent when the connection comes back).
 */
export class ServerUnreachableError extends PlantonError {
  public constructor (reason: string, cause?: unknown) {
    super(`The Planton server cannot be reached: ${reason}`, 'server_unreachable', {cause});
  }
}

/**
 * The hub refused a message or a call, with its code: `ATTEMPT_REASSIGNED` (the lease of the
 * attempt ended while this worker was away, and the job went back to the scheduler),
 * `UNKNOWN_ATTEMPT`, `job_timed_out`, `job_done`, `job_failed`, `server_unreachable` (the server's
 * store), `UNKNOWN_TASK` (a processor for a task the server does not know, with `taskName`), a
 * protocol code (`INVALID_MESSAGE`, …).
 */
export class HubError extends PlantonError {
  public readonly attempt: number | null;

  public readonly jobId: number | null;

  public readonly taskName: string | null;

  public constructor ({attempt, code, jobId, message, taskName}: {readonly attempt?: number; readonly code: string; readonly jobId?: number; readonly message: string; readonly taskName?: string}) {
    super(message, code);
    this.attempt = attempt ?? null;
    this.jobId = jobId ?? null;
    this.taskName = taskName ?? null;
  }
}

/** A processor's result JSON cannot hold (a bigint, a cycle, a function, …): the job is reported done without it, and this goes to the worker's `error` event. */
export class InvalidResultError extends PlantonError {
  public readonly jobId: number;

  /** Where in the result (`result.items[2]`), and what JSON cannot hold there. */
  public readonly path: string;

  public constructor (jobId: number, fault: {readonly path: string; readonly reason: string}) {
    super(`Job ${jobId} was reported done without its result: JSON cannot hold \`${fault.path}\` (${fault.reason}).`, 'INVALID_RESULT');
    this.jobId = jobId;
    this.path = fault.path;
  }
}

/** A processor added after `close()`, or a job that arrived while the worker was closing (failed, so that it is retried as its task says). */
export class WorkerClosedError extends PlantonError {
  public constructor (operation: string) {
    super(`Cannot ${operation}: the worker is closing.`, 'WORKER_CLOSED');
  }
}
