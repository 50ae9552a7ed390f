/**
 * Errors of the sinks and their workers (adapter layer). Each extends `PlantonError` with a stable
 * `code`, its context fields and, where there is one, `cause`. Kept apart from `../errors.ts` (the
 * stores') so the two contracts evolve without touching each other's file.
 */
import {PlantonError} from '../../planton/errors.ts';
import {describeCause} from '../../planton/describeCause.ts';

/** A sink's or worker's configuration is invalid. Thrown by the sink and worker factories. */
export class InvalidSinkConfigurationError extends PlantonError {
  public readonly option: string;

  public constructor (option: string, message: string) {
    super(message, 'INVALID_SINK_CONFIGURATION');
    this.option = option;
  }
}

/** Why a broker did not take a message; the error's code is `SINK_` + the reason. */
export type SinkFailureReason = 'CLOSED' | 'REJECTED' | 'TIMEOUT' | 'UNROUTABLE';

/** The broker did not confirm a message. Rejected by `Sink.publish`; the broker's own error, if any, is `cause`. */
export class SinkRejectedError extends PlantonError {
  public readonly reason: SinkFailureReason;

  public constructor (reason: SinkFailureReason, message: string, cause?: unknown) {
    super(message, `SINK_${reason}`, {cause});
    this.reason = reason;
  }
}

/**
 * An instruction was not confirmed by the broker; its execution was released (failed with this error
 * as the reason, so it is scheduled again). Emitted by `connectSink`; the sink's own error (e.g.
 * `SINK_TIMEOUT`, `SINK_UNROUTABLE`) is `cause`, its code also in `sinkCode`.
 */
export class SinkPublishError extends PlantonError {
  public readonly taskName: string;

  public readonly instruction: unknown;

  /** The released execution's id, when the store knew it. */
  public readonly executionId: number | null;

  /** The `code` of the sink's error (`SINK_TIMEOUT`, `SINK_UNROUTABLE`, `SINK_REJECTED`, `SINK_CLOSED`, …), or null when it had none. */
  public readonly sinkCode: string | null;

  public constructor (taskName: string, instruction: unknown, cause: unknown, executionId: number | null = null) {
    const reason = describeCause(cause);
    const sinkCode = (cause as {code?: unknown} | null)?.code;

    super(`Publishing instruction ${JSON.stringify(instruction)} of task \`${taskName}\` failed: ${reason}`, 'SINK_PUBLISH_FAILED', {cause});
    this.taskName = taskName;
    this.instruction = instruction;
    this.executionId = executionId;
    this.sinkCode = typeof sinkCode === 'string' ? sinkCode : null;
  }
}

/**
 * An unconfirmed instruction could not be released (the store failed). The store stops
 * heartbeating it, so its reaper frees it after the task's `maxExecutionDuration`.
 */
export class SinkReleaseError extends PlantonError {
  public readonly taskName: string;

  public readonly instruction: unknown;

  /** The execution that could not be released, when the store knew its id. */
  public readonly executionId: number | null;

  public constructor (taskName: string, instruction: unknown, cause: unknown, executionId: number | null = null) {
    const reason = describeCause(cause);

    super(`Releasing instruction ${JSON.stringify(instruction)} of task \`${taskName}\` after a failed publish failed: ${reason}`, 'SINK_RELEASE_FAILED', {cause});
    this.taskName = taskName;
    this.instruction = instruction;
    this.executionId = executionId;
  }
}

/** A consumed message is not a Planton sink message (a poison message). It was rejected without requeueing (dead-lettered when configured). */
export class InvalidSinkMessageError extends PlantonError {
  public readonly content: string;

  public constructor (content: string, reason: string) {
    super(`Rejected a message that is not a Planton sink message (${reason}): ${content}`, 'INVALID_SINK_MESSAGE');
    this.content = content;
  }
}

/** What a worker asked its store: the "still running?" check, a heartbeat while the processor runs, or recording the outcome. */
export type WorkerStoreOperation = 'CHECK' | 'COMPLETE' | 'FAIL' | 'HEARTBEAT' | 'REVIVE';

/**
 * A worker's store call failed (the store is unreachable, …). The worker keeps the message and
 * retries with a growing delay (check and outcome), or tries again at the next interval (heartbeat);
 * a message still unrecorded when the worker closes is requeued.
 */
export class WorkerStoreError extends PlantonError {
  public readonly operation: WorkerStoreOperation;

  /** How many times this call failed in a row (1 for the first failure). */
  public readonly attempt: number;

  public constructor (operation: WorkerStoreOperation, cause: unknown, attempt = 1) {
    const reason = describeCause(cause);

    super(`Worker store ${operation.toLowerCase()} failed (attempt ${attempt}); the message is kept and the call retried: ${reason}`, 'WORKER_STORE_FAILED', {cause});
    this.operation = operation;
    this.attempt = attempt;
  }
}

/** The broker a sink or worker connects to. */
export type SinkBroker = 'NATS' | 'RABBITMQ' | 'REDIS';

/**
 * How a broker refused a connection: it turned down the credentials or the permissions
 * (`AUTHENTICATION`: a wrong user or password, a vhost the user may not open), or nothing accepts
 * connections at the address (`ADDRESS`: connection refused, unknown host).
 */
export type ConnectionRefusal = 'ADDRESS' | 'AUTHENTICATION';

const BROKER_NAMES: Readonly<Record<SinkBroker, string>> = {NATS: 'NATS', RABBITMQ: 'RabbitMQ', REDIS: 'Redis'};

/**
 * A broker refused a sink's or worker's connection: emitted on `error` at once (again only when the
 * reason changes or after a connection succeeded), and, until the first connection succeeds, what a
 * call that needs the connection (`publish`, a BullMQ worker's `waitUntilReady`) rejects with. The
 * connection is retried in the background all the same. The broker's error is `cause`.
 */
export class SinkConnectionRefusedError extends PlantonError {
  public readonly broker: SinkBroker;

  public readonly refusal: ConnectionRefusal;

  public constructor (broker: SinkBroker, refusal: ConnectionRefusal, cause: unknown) {
    const reason = describeCause(cause);
    const what = refusal === 'AUTHENTICATION' ? 'refused the credentials' : 'could not be reached at that address';

    super(`${BROKER_NAMES[broker]} ${what}: ${reason}`, 'SINK_CONNECTION_REFUSED', {cause});
    this.broker = broker;
    this.refusal = refusal;
  }
}

/** A sink's or worker's broker connection failed; it reconnects on its own. */
export class BrokerConnectionError extends PlantonError {
  public constructor (cause: unknown) {
    const reason = describeCause(cause);

    super(`Broker connection failed, reconnecting: ${reason}`, 'BROKER_CONNECTION_ERROR', {cause});
  }
}
