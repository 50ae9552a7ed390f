/**
 * Errors of the remote-processor protocol and of the worker hub. The codes of those the hub sends
 * to a client (in an `error` message) are part of the protocol: a client in another language reads
 * them. All are `PlantonError`s with a stable `code`.
 */
import {describeValue} from '../../planton/describeValue.ts';
import {PlantonError} from '../../planton/errors.ts';

/** Why a message was refused before anything acted on it. */
export type ProtocolErrorCode =
  /** Not a JSON text (a binary frame, bad JSON). */
  | 'MALFORMED_MESSAGE'
  /** JSON, but not what its `type` requires (`path` says where). */
  | 'INVALID_MESSAGE'
  /** `type` is missing or names no message. */
  | 'UNKNOWN_MESSAGE_TYPE'
  /** A valid message at the wrong time: anything before `hello`, a second `hello`. */
  | 'UNEXPECTED_MESSAGE'
  /** `v` is not the version this peer speaks. */
  | 'UNSUPPORTED_PROTOCOL_VERSION';

/** A peer's message was refused as it stands; the connection stays open (but after an unsupported `hello`). */
export class ProtocolError extends PlantonError {
  /** The JSON pointer of the part at fault (`/tasks/0`), `''` for the whole message. */
  public readonly path: string;

  public constructor (code: ProtocolErrorCode, message: string, path = '') {
    super(message, code);
    this.path = path;
  }
}

/**
 * A message about an attempt that the sender no longer holds: its lease ended (the client was gone
 * longer than `leaseDuration`) or another worker holds it, and the job went back to the scheduler
 * (retried or failed as its task's retry policy says). Its result is refused.
 */
export class AttemptReassignedError extends PlantonError {
  public readonly attempt: number;

  public readonly jobId: number;

  public constructor (jobId: number, attempt: number, reason: string) {
    super(`Attempt ${attempt} of job ${jobId} is no longer held by this worker: ${reason}.`, 'ATTEMPT_REASSIGNED');
    this.jobId = jobId;
    this.attempt = attempt;
  }
}

/** A message about an attempt this hub never gave the sender (or has forgotten, long after it ended). */
export class UnknownAttemptError extends PlantonError {
  public readonly attempt: number;

  public readonly jobId: number;

  public constructor (jobId: number, attempt: number) {
    super(`This hub gave no worker attempt ${attempt} of job ${jobId}.`, 'UNKNOWN_ATTEMPT');
    this.jobId = jobId;
    this.attempt = attempt;
  }
}

/** How an attempt failed when its worker went away: the task's retry policy decides what follows. */
export class WorkerLostError extends PlantonError {
  public readonly clientId: string;

  public readonly jobId: number;

  public readonly workerName: string;

  public constructor ({clientId, jobId, reason, workerName}: {readonly clientId: string; readonly jobId: number; readonly reason: string; readonly workerName: string}) {
    super(`Job ${jobId} was lost by worker \`${workerName}\` (${clientId}): ${reason}.`, 'WORKER_LOST');
    this.clientId = clientId;
    this.jobId = jobId;
    this.workerName = workerName;
  }
}

/** A job waited for a worker with free capacity and the last worker of its task left. */
export class NoWorkerError extends PlantonError {
  public readonly jobId: number;

  public readonly taskName: string;

  public constructor (jobId: number, taskName: string) {
    super(`Job ${jobId} waited for a worker and the last worker processing \`${taskName}\` left.`, 'NO_WORKER');
    this.jobId = jobId;
    this.taskName = taskName;
  }
}

/** Jobs held or queued by a hub when it was closed fail with it (their task's retry policy applies). */
export class WorkerHubClosedError extends PlantonError {
  public readonly jobId: number;

  public constructor (jobId: number) {
    super(`Job ${jobId} was with a worker of a hub that closed.`, 'WORKER_HUB_CLOSED');
    this.jobId = jobId;
  }
}

/** What the hub answers when handling a message failed in a way it did not foresee (logged as an `error` event). */
export class WorkerHubInternalError extends PlantonError {
  public constructor (cause: unknown) {
    super(`The hub failed to handle the message: ${cause instanceof Error ? cause.message : describeValue(cause)}`, 'INTERNAL_ERROR', {cause});
  }
}

export class InvalidWorkerHubConfigurationError extends PlantonError {
  public readonly option: string;

  public readonly value: unknown;

  public constructor (option: string, expected: string, value: unknown) {
    super(`Expected \`${option}\` to be ${expected}, got \`${describeValue(value)}\`.`, 'INVALID_WORKER_HUB_CONFIGURATION');
    this.option = option;
    this.value = value;
  }
}
