import test from 'ava';
import {StoreUnreachableError} from '../../src/adapters/errors.ts';
import {PlantonError} from '../../src/planton/errors.ts';
import {
  DuplicateScheduledTaskError,
  InvalidCronExpressionError,
  InvalidDateError,
  InvalidJobStateError,
  InvalidRepeatError,
  SchedulerTerminatedError,
  ServerUnreachableError,
  UnknownJobError,
  UnknownScheduledTaskError,
} from '../../src/scheduler/errors.ts';
import {ForbiddenError, RateLimitedError, RouteNotFoundError, ServerClosingError, toHttpError, UnauthorizedError} from '../../src/server/index.ts';

const fastifyError = (code: string, statusCode: number, message = 'fastify says no') => Object.assign(new Error(message), {code, statusCode});

const validation = (context: string, issue: Record<string, unknown>) => Object.assign(new Error('validation'), {code: 'FST_ERR_VALIDATION', statusCode: 400, validation: [issue], validationContext: context});

const cases: Array<[string, unknown, number, Record<string, unknown>]> = [
  ['a schema violation of the body', validation('body', {instancePath: '/schedule/every', keyword: 'anyOf', message: 'must match a schema in anyOf', params: {}}), 400, {code: 'INVALID_REQUEST', field: 'schedule.every', location: 'body', message: '`schedule.every` in the request body must match a schema in anyOf.'}],
  ['a missing property', validation('body', {instancePath: '', keyword: 'required', message: 'must have required property \'timeout\'', params: {missingProperty: 'timeout'}}), 400, {code: 'INVALID_REQUEST', field: 'timeout', message: '`timeout` in the request body is required.'}],
  ['an unknown property', validation('body', {instancePath: '/retry', keyword: 'additionalProperties', message: 'must NOT have additional properties', params: {additionalProperty: 'tries'}}), 400, {code: 'INVALID_REQUEST', field: 'retry.tries', message: '`retry.tries` in the request body is not a known property.'}],
  ['a bad path parameter', validation('params', {instancePath: '/id', keyword: 'pattern', message: 'must match pattern "^[0-9]{1,15}$"', params: {}}), 400, {code: 'INVALID_REQUEST', field: 'id', location: 'params'}],
  ['a body that is not an object', validation('body', {instancePath: '', keyword: 'type', message: 'must be object', params: {}}), 400, {code: 'INVALID_REQUEST', message: 'The request body must be object.'}],
  ['a bad cron expression (the library\'s code, its option as field)', new InvalidCronExpressionError('61 * * * *', 'minute', 'minute out of range'), 400, {code: 'INVALID_CRON_EXPRESSION', field: 'schedule'}],
  ['a bad repeat unit value', new InvalidRepeatError('schedule.repeat.months', 'an integer >= 0', -1), 400, {code: 'INVALID_REPEAT', field: 'schedule.repeat.months'}],
  ['a bad date', new InvalidDateError('soon', 'runAt'), 400, {code: 'INVALID_DATE', field: 'runAt'}],
  ['JSON that does not parse', fastifyError('FST_ERR_CTP_INVALID_JSON_BODY', 400), 400, {code: 'INVALID_JSON'}],
  ['an empty JSON body', fastifyError('FST_ERR_CTP_EMPTY_JSON_BODY', 400), 400, {code: 'INVALID_JSON'}],
  ['another Fastify request error', fastifyError('FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'Request body size did not match Content-Length'), 400, {code: 'INVALID_REQUEST', message: 'Request body size did not match Content-Length'}],
  ['no token', new UnauthorizedError('MISSING'), 401, {code: 'UNAUTHORIZED'}],
  ['a role that may not', new ForbiddenError('read', 'it may only read (GET)'), 403, {code: 'FORBIDDEN', role: 'read'}],
  ['an unknown task', new UnknownScheduledTaskError('archive'), 404, {code: 'UNKNOWN_TASK', taskName: 'archive'}],
  ['an unknown job', new UnknownJobError(7), 404, {code: 'UNKNOWN_JOB', jobId: 7}],
  ['an unknown route', new RouteNotFoundError('GET', '/v2'), 404, {code: 'ROUTE_NOT_FOUND'}],
  ['a job in the wrong state', new InvalidJobStateError(7, 'cancel', 'DONE', 'SCHEDULED or WAITING'), 409, {code: 'INVALID_JOB_STATE', jobId: 7, state: 'DONE'}],
  ['a duplicate task', new DuplicateScheduledTaskError('archive'), 409, {code: 'DUPLICATE_TASK_NAME', taskName: 'archive'}],
  ['a body too large', fastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413), 413, {code: 'PAYLOAD_TOO_LARGE'}],
  ['a body that is not JSON', fastifyError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415), 415, {code: 'UNSUPPORTED_MEDIA_TYPE'}],
  ['too many requests', new RateLimitedError(10, 30_000), 429, {code: 'RATE_LIMITED', retryAfter: 30_000}],
  ['the scheduler store unreachable', new ServerUnreachableError(new Error('connect ECONNREFUSED')), 503, {code: 'server_unreachable'}],
  ['a store unreachable', new StoreUnreachableError(new Error('timeout')), 503, {code: 'STORE_UNREACHABLE'}],
  ['a server that is closing', new ServerClosingError(), 503, {code: 'SERVER_CLOSING'}],
  ['a terminated scheduler', new SchedulerTerminatedError('schedule a task'), 503, {code: 'SCHEDULER_TERMINATED'}],
  ['a coded error without a status', new PlantonError('secret detail', 'SOMETHING_ELSE'), 500, {code: 'INTERNAL_ERROR', message: 'The server failed to handle the request; the failure is logged.'}],
  ['a plain error', new Error('password=hunter2'), 500, {code: 'INTERNAL_ERROR'}],
  ['a Fastify server error', fastifyError('FST_ERR_SOMETHING', 500), 500, {code: 'INTERNAL_ERROR'}],
  ['not an error', 'boom', 500, {code: 'INTERNAL_ERROR'}],
];

for (const [title, error, statusCode, body] of cases) {
  test(`toHttpError: ${title} → ${statusCode} ${String(body.code)}`, (t) => {
    const response = toHttpError(error);

    t.is(response.statusCode, statusCode);
    t.like(response.body, body);
    t.is(response.internal, statusCode === 500);
    t.is(typeof response.body.message, 'string');
  });
}

test('toHttpError: a 500 never sends the error\'s own message', (t) => {
  t.notRegex(JSON.stringify(toHttpError(new Error('password=hunter2')).body), /hunter2/u);
});

test('toHttpError: 401 asks for a bearer token (WWW-Authenticate)', (t) => {
  t.deepEqual(toHttpError(new UnauthorizedError('INVALID')).headers, {'www-authenticate': 'Bearer'});
  t.deepEqual(toHttpError(new UnknownJobError(1)).headers, {});
});

test('toHttpError: library errors do not send the rejected value', (t) => {
  const {body} = toHttpError(new InvalidDateError({nested: 'x'.repeat(10)}, 'runAt'));

  t.false('value' in body);
});
