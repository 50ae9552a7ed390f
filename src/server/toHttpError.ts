import {PlantonError} from '../planton/errors.ts';
import {InvalidSchedulerOptionError} from '../scheduler/errors.ts';

/** The JSON body of every error response. */
export type ErrorBody = {
  /** The stable code: the library's (`UNKNOWN_JOB`, `server_unreachable`, …) or the server's (`INVALID_REQUEST`, `UNAUTHORIZED`, …). */
  readonly code: string;
  /** The invalid input, as a dotted path (`schedule.repeat.months`, `id`), where one is at fault. */
  readonly field?: string;
  readonly jobId?: number;
  /** Where an `INVALID_REQUEST` was found: `body`, `params`, `querystring` or `headers`. */
  readonly location?: string;
  readonly message: string;
  readonly retryAfter?: number;
  readonly role?: string;
  readonly state?: string;
  readonly taskName?: string;
};

export type HttpError = {
  readonly body: ErrorBody;
  readonly headers: Readonly<Record<string, string>>;
  /** `true` for a failure the server did not expect (500): it is logged, and its message is not sent. */
  readonly internal: boolean;
  readonly statusCode: number;
};

/** The statuses of the codes that have one; codes of invalid input (`INVALID_*` with an `option`) are 400. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  DASHBOARD_NOT_BUILT: 503,
  DUPLICATE_TASK_NAME: 409,
  FORBIDDEN: 403,
  INVALID_CSRF_TOKEN: 403,
  INVALID_JOB_STATE: 409,
  INVALID_JSON: 400,
  INVALID_REQUEST: 400,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  ROUTE_NOT_FOUND: 404,
  SCHEDULER_TERMINATED: 503,
  SERVER_CLOSING: 503,
  server_unreachable: 503,
  STORE_TERMINATED: 503,
  STORE_TIMEOUT: 503,
  STORE_UNREACHABLE: 503,
  TOO_MANY_SUBSCRIBERS: 503,
  UNAUTHORIZED: 401,
  UNKNOWN_JOB: 404,
  UNKNOWN_TASK: 404,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

/** Context fields of library errors that a client may see. */
const CONTEXT_FIELDS = ['jobId', 'retryAfter', 'role', 'state', 'taskName'] as const;

/** Fastify's own request errors, by code. */
const FASTIFY_CODES: Readonly<Record<string, {readonly code: string; readonly message?: string}>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than the server accepts.'},
  FST_ERR_CTP_EMPTY_JSON_BODY: {code: 'INVALID_JSON', message: 'The request body is empty but its content type is application/json.'},
  FST_ERR_CTP_INVALID_JSON_BODY: {code: 'INVALID_JSON', message: 'The request body is not valid JSON.'},
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The request body must be application/json.'},
};

type ValidationIssue = {
  readonly instancePath?: string;
  readonly keyword?: string;
  readonly message?: string;
  readonly params?: Readonly<Record<string, unknown>>;
};

type FastifyLikeError = {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly statusCode?: unknown;
  readonly validation?: readonly ValidationIssue[];
  readonly validationContext?: string;
};

/** `/schedule/repeat/0` → `schedule.repeat.0`; the property a `required` or `additionalProperties` issue names is appended. */
const toField = (issue: ValidationIssue): string => {
  const segments = (issue.instancePath ?? '').split('/').filter((segment) => segment !== '').map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  const named = issue.params?.missingProperty ?? issue.params?.additionalProperty;

  if (typeof named === 'string') {
    segments.push(named);
  }

  return segments.join('.');
};

const describeIssue = (issue: ValidationIssue, field: string, location: string): string => {
  const where = field === '' ? `The request ${location}` : `\`${field}\` in the request ${location}`;

  if (issue.keyword === 'required') {
    return `${where} is required.`;
  }

  if (issue.keyword === 'additionalProperties') {
    return `${where} is not a known property.`;
  }

  return `${where} ${issue.message ?? 'is invalid'}.`;
};

const fromValidation = (error: FastifyLikeError): HttpError => {
  const [issue = {}] = error.validation ?? [];
  const location = error.validationContext ?? 'body';
  const field = toField(issue);

  return {
    body: {code: 'INVALID_REQUEST', message: describeIssue(issue, field, location), ...field === '' ? {} : {field}, location},
    headers: {},
    internal: false,
    statusCode: 400,
  };
};

const fromPlantonError = (error: PlantonError): HttpError | null => {
  const statusCode = error instanceof InvalidSchedulerOptionError ? 400 : STATUS_BY_CODE[error.code];

  if (statusCode === undefined) {
    return null;
  }

  const context: Record<string, unknown> = {};
  const source = error as unknown as Record<string, unknown>;

  for (const name of CONTEXT_FIELDS) {
    if (source[name] !== undefined) {
      context[name] = source[name];
    }
  }

  return {
    body: {
      code: error.code,
      message: error.message,
      ...context,
      ...error instanceof InvalidSchedulerOptionError ? {field: error.option} : {},
    },
    headers: error.code === 'UNAUTHORIZED' ? {'www-authenticate': 'Bearer'} : {},
    internal: false,
    statusCode,
  };
};

const INTERNAL: HttpError = {
  body: {code: 'INTERNAL_ERROR', message: 'The server failed to handle the request; the failure is logged.'},
  headers: {},
  internal: true,
  statusCode: 500,
};

/**
 * The HTTP response of any error a request ends with: the library's coded errors keep their codes
 * (invalid input 400 naming the field, unknown task or job 404, a job in the wrong state or a
 * duplicate 409, an unreachable store 503, …), Fastify's request errors get the server's codes
 * (`INVALID_REQUEST` for a schema violation, `INVALID_JSON`, `PAYLOAD_TOO_LARGE`,
 * `UNSUPPORTED_MEDIA_TYPE`), and anything else is a 500 `INTERNAL_ERROR` whose message is not sent.
 */
export const toHttpError = (error: unknown): HttpError => {
  if (error instanceof PlantonError) {
    return fromPlantonError(error) ?? INTERNAL;
  }

  if (typeof error !== 'object' || error === null) {
    return INTERNAL;
  }

  const candidate = error as FastifyLikeError;

  if (Array.isArray(candidate.validation)) {
    return fromValidation(candidate);
  }

  const statusCode = typeof candidate.statusCode === 'number' ? candidate.statusCode : 500;

  if (typeof candidate.code === 'string' && candidate.code.startsWith('FST_') && statusCode >= 400 && statusCode < 500) {
    const known = FASTIFY_CODES[candidate.code];
    const code = known?.code ?? 'INVALID_REQUEST';

    return {
      body: {code, message: known?.message ?? (typeof candidate.message === 'string' ? candidate.message : 'The request is invalid.')},
      headers: {},
      internal: false,
      statusCode: STATUS_BY_CODE[code] ?? statusCode,
    };
  }

  return INTERNAL;
};
