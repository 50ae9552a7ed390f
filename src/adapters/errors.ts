/**
 * Errors of the adapter layer (stores, listeners). Each extends `PlantonError` with a stable `code`,
 * its context fields and, where there is one, `cause`.
 */
import {PlantonError} from '../planton/errors.ts';

/** A store's configuration is invalid. Thrown by the store factories. */
export class InvalidStoreConfigurationError extends PlantonError {
  public readonly option: string;

  public constructor (option: string, message: string) {
    super(message, 'INVALID_STORE_CONFIGURATION');
    this.option = option;
  }
}

/** Applying the schema failed; the migration transaction was rolled back. */
export class MigrationError extends PlantonError {
  public readonly schema: string;

  public readonly version: number;

  public constructor (schema: string, version: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);

    super(`Migration ${version} of schema \`${schema}\` failed: ${reason}`, 'MIGRATION_FAILED', {cause});
    this.schema = schema;
    this.version = version;
  }
}

/**
 * A migration that the database records as applied differs from the file of the same version (its
 * sha256 changed): shipped migrations are never edited, a change is a new migration. Nothing was
 * applied; the migration transaction was rolled back.
 */
export class MigrationChecksumMismatchError extends PlantonError {
  public readonly schema: string;

  public readonly version: number;

  /** The migration's file name (`name` is the error class's, as on every Error). */
  public readonly file: string;

  public readonly appliedChecksum: string;

  public readonly fileChecksum: string;

  public constructor ({appliedChecksum, file, fileChecksum, schema, version}: {readonly appliedChecksum: string; readonly file: string; readonly fileChecksum: string; readonly schema: string; readonly version: number}) {
    super(`Migration ${version} (\`${file}\`) applied to schema \`${schema}\` had checksum ${appliedChecksum}; the file now has ${fileChecksum}. Restore the file and add a new migration instead.`, 'MIGRATION_CHECKSUM_MISMATCH');
    this.schema = schema;
    this.version = version;
    this.file = file;
    this.appliedChecksum = appliedChecksum;
    this.fileChecksum = fileChecksum;
  }
}

/** The claim query returned something other than at most `limit` strings or finite numbers; nothing was claimed. */
export class UnexpectedClaimResultError extends PlantonError {
  public readonly taskName: string;

  public readonly limit: number;

  public readonly result: unknown;

  public constructor (taskName: string, limit: number, result: unknown, reason: string, options: ErrorOptions = {}) {
    super(`The claim query of task \`${taskName}\` ${reason}; the transaction was rolled back.`, 'UNEXPECTED_CLAIM_RESULT', options);
    this.taskName = taskName;
    this.limit = limit;
    this.result = result;
  }
}

/**
 * The reason recorded on an execution that a terminating PostgreSQL store ended as FAILED: it was
 * claimed by a claim whose reply was lost (or recovered from one) and never dispatched. Ended, its
 * instruction can be claimed again at once instead of after the reaper's limit.
 */
export class UndispatchedClaimError extends PlantonError {
  public constructor () {
    super('The store was terminated before it dispatched this execution, which a claim whose reply was lost recorded.', 'UNDISPATCHED_CLAIM');
  }
}

/** No RUNNING execution matches the reference (it never existed, or it already ended). */
export class ExecutionNotRunningError extends PlantonError {
  public readonly executionId: number | null;

  public readonly taskName: string | null;

  public readonly instruction: unknown;

  public constructor (reference: {readonly executionId?: number; readonly instruction?: unknown; readonly taskName?: string}) {
    const description = reference.executionId === undefined ?
      `of task \`${String(reference.taskName)}\` for instruction ${JSON.stringify(reference.instruction)}` :
      String(reference.executionId);

    super(`Execution ${description} is not running (unknown, completed, failed or terminated by the reaper).`, 'EXECUTION_NOT_RUNNING');
    this.executionId = reference.executionId ?? null;
    this.taskName = reference.taskName ?? null;
    this.instruction = reference.instruction;
  }
}

/** A background loop of a store (reaper, heartbeat, listener, wake-up callback) failed; it keeps running. */
export class StoreBackgroundError extends PlantonError {
  public readonly operation: 'HEARTBEAT' | 'LISTEN' | 'REAP' | 'WAKE';

  public constructor (operation: 'HEARTBEAT' | 'LISTEN' | 'REAP' | 'WAKE', cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);

    super(`Store ${operation.toLowerCase()} failed: ${reason}`, 'STORE_BACKGROUND_ERROR', {cause});
    this.operation = operation;
  }
}

/**
 * The database cannot be reached as configured: connection refused or lost, unknown host, login
 * refused (a wrong role or password), no such database. The driver's error is `cause`. Rejected by
 * `createPostgresStore` (its migrations are its first queries) and by the listener's `listen` (so
 * `store.subscribe`) when the connection it waits for fails.
 */
export class StoreUnreachableError extends PlantonError {
  public constructor (cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);

    super(`The database cannot be reached: ${reason}`, 'STORE_UNREACHABLE', {cause});
  }
}

/** The store (or listener) was terminated and cannot be used any more. */
export class StoreTerminatedError extends PlantonError {
  public constructor (message: string) {
    super(message, 'STORE_TERMINATED');
  }
}

/** A processor's configuration is invalid. Thrown by `createProcessor`. */
export class InvalidProcessorConfigurationError extends PlantonError {
  public readonly option: string;

  public constructor (option: string, message: string) {
    super(message, 'INVALID_PROCESSOR_CONFIGURATION');
    this.option = option;
  }
}

/**
 * A processor received an instruction of a task it has no handler for. Its execution is ended
 * FAILED with this error (so the slot is free and the row shows why); the task is not triggered.
 */
export class ProcessorHandlerMissingError extends PlantonError {
  public readonly taskName: string;

  public readonly instruction: unknown;

  public constructor (taskName: string, instruction: unknown) {
    super(`No handler for task \`${taskName}\`; instruction ${JSON.stringify(instruction)} was failed.`, 'PROCESSOR_HANDLER_MISSING');
    this.taskName = taskName;
    this.instruction = instruction;
  }
}

/**
 * A processor released an execution because it was stopping: the instruction arrived after `stop()`,
 * or was still waiting for a slot or running when `stopTimeout` elapsed. The execution is ended
 * FAILED with this error, so the instruction is scheduled again.
 */
export class ProcessorStoppedError extends PlantonError {
  public readonly taskName: string;

  public readonly instruction: unknown;

  public constructor (taskName: string, instruction: unknown, reason: string) {
    super(`Released instruction ${JSON.stringify(instruction)} of task \`${taskName}\`: ${reason}.`, 'PROCESSOR_STOPPED');
    this.taskName = taskName;
    this.instruction = instruction;
  }
}

/**
 * A processor's `stop()` gave up waiting for outcomes being written: a store call still had not
 * settled after `stopTimeout` and the grace that follows it. `stop()` resolves anyway; those
 * executions stay RUNNING until the reaper terminates them (their instructions are then scheduled again).
 */
export class ProcessorOutcomesAbandonedError extends PlantonError {
  /** Instructions whose outcome was not recorded when `stop()` resolved. */
  public readonly count: number;

  public constructor (count: number) {
    super(`Processor stopped with ${count} outcome(s) not recorded (a store call did not settle in time); the reaper will free their executions.`, 'PROCESSOR_OUTCOMES_ABANDONED');
    this.count = count;
  }
}

/** What a processor was writing: completions or failures. */
export type ProcessorStoreOperation = 'COMPLETE' | 'FAIL';

/**
 * A processor could not record outcomes (the store is unreachable, the pool ended, …). It retries
 * with a growing delay (`retrying: true`) until the write succeeds; once `stop()` has waited
 * `stopTimeout`, it gives up (`retrying: false`) and the executions stay RUNNING until the reaper
 * terminates them (their instructions are then scheduled again).
 */
export class ProcessorStoreError extends PlantonError {
  public readonly operation: ProcessorStoreOperation;

  /** How many times this write failed in a row (1 for the first failure). */
  public readonly attempt: number;

  /** Executions in the write. */
  public readonly count: number;

  public readonly retrying: boolean;

  public constructor ({attempt, cause, count, operation, retrying}: {
    readonly attempt: number;
    readonly cause: unknown;
    readonly count: number;
    readonly operation: ProcessorStoreOperation;
    readonly retrying: boolean;
  }) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const outcome = retrying ? 'retrying' : 'gave up; the reaper will free them';

    super(`Processor could not ${operation === 'COMPLETE' ? 'complete' : 'fail'} ${count} execution(s) (attempt ${attempt}, ${outcome}): ${reason}`, 'PROCESSOR_STORE_ERROR', {cause});
    this.operation = operation;
    this.attempt = attempt;
    this.count = count;
    this.retrying = retrying;
  }
}
