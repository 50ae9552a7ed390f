/**
 * Errors of the `planton` command. Each is a `PlantonError` with a stable `code`; the command prints
 * `error: <code>: <message>` and exits 1. An error the server answered keeps the server's code
 * (`UNKNOWN_JOB`, `INVALID_JOB_STATE`, `UNAUTHORIZED`, …).
 */
import {PlantonError} from '../planton/errors.ts';

/** The server answered a request with an error body `{code, message, …}`. */
export class ApiError extends PlantonError {
  /** The whole error body, as the server sent it. */
  public readonly body: Readonly<Record<string, unknown>>;

  public readonly statusCode: number;

  public constructor (statusCode: number, body: Readonly<Record<string, unknown>> & {readonly code: string; readonly message: string}) {
    super(body.message, body.code);
    this.body = body;
    this.statusCode = statusCode;
  }
}

/** The server did not answer: refused, reset or timed out (`cause` is the network error). */
export class ServerUnreachableError extends PlantonError {
  public readonly url: string;

  public constructor (url: string, cause: unknown) {
    const reason = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause);

    super(`Cannot reach the Planton server at ${url}: ${reason}. Is \`planton serve\` running there (--url, PLANTON_URL)?`, 'server_unreachable', {cause});
    this.url = url;
  }
}

/** An answer that is not the API's: not JSON, or not the shape the command expects. */
export class UnexpectedResponseError extends PlantonError {
  public readonly statusCode: number;

  public constructor (url: string, statusCode: number, reason: string) {
    super(`Unexpected answer from ${url} (HTTP ${statusCode}): ${reason}. Is it a Planton server?`, 'UNEXPECTED_RESPONSE');
    this.statusCode = statusCode;
  }
}

/** Another live process holds the PGlite data directory (two would corrupt it). */
export class DataDirectoryLockedError extends PlantonError {
  public readonly directory: string;

  public readonly pid: number;

  public constructor (directory: string, pid: number) {
    super(`The data directory ${directory} is in use by process ${pid}; stop it first, or use another --data-dir.`, 'DATA_DIRECTORY_LOCKED');
    this.directory = directory;
    this.pid = pid;
  }
}

/** `planton worker <module>`: the module could not be loaded, or its default export is not `{taskName: processor, …}`. */
export class InvalidWorkerModuleError extends PlantonError {
  public readonly path: string;

  public constructor (path: string, reason: string, cause?: unknown) {
    super(`The worker module ${path} ${reason}. Expected \`export default {taskName: async (job) => …, …}\` (see docs/cli.md#planton-worker).`, 'INVALID_WORKER_MODULE', {cause});
    this.path = path;
  }
}

/** `planton serve --webhook-url …` without a secret to sign with (`PLANTON_WEBHOOK_SECRET` or `PLANTON_WEBHOOK_SECRET_FILE`). */
export class MissingWebhookSecretError extends PlantonError {
  public constructor () {
    super('`--webhook-url` needs a signing secret of 16 characters or more: set PLANTON_WEBHOOK_SECRET, or PLANTON_WEBHOOK_SECRET_FILE to a file holding it.', 'MISSING_WEBHOOK_SECRET');
  }
}
