import {Type} from 'typebox';

/** The body of every error response (see `toHttpError`). */
export const ErrorSchema = Type.Object({
  code: Type.String({description: 'Stable code: the library\'s (`UNKNOWN_JOB`, `INVALID_JOB_STATE`, `server_unreachable`, …) or the server\'s (`INVALID_REQUEST`, `UNAUTHORIZED`, `FORBIDDEN`, `RATE_LIMITED`, …).'}),
  field: Type.Optional(Type.String({description: 'The invalid input as a dotted path (`schedule.repeat.months`, `id`).'})),
  jobId: Type.Optional(Type.Integer()),
  location: Type.Optional(Type.String({description: 'Where an `INVALID_REQUEST` was found: `body`, `params`, `querystring` or `headers`.'})),
  message: Type.String(),
  retryAfter: Type.Optional(Type.Integer({description: 'Milliseconds until a `RATE_LIMITED` client may send again.'})),
  role: Type.Optional(Type.String()),
  state: Type.Optional(Type.String({description: 'The job\'s state, for `INVALID_JOB_STATE`.'})),
  taskName: Type.Optional(Type.String()),
}, {additionalProperties: false, description: 'An error: a stable `code` and a `message` (see docs/server.md#errors).', title: 'Error'});

/** The error responses every route may give. */
export const ERROR_RESPONSES = {
  '4xx': ErrorSchema,
  '5xx': ErrorSchema,
} as const;
