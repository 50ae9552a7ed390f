/**
 * Generators of HTTP requests for the server's fuzz tests: methods, paths built on the API's routes
 * with hostile parameters (encoded, badly encoded, huge, unicode), query strings, JSON and non-JSON
 * bodies, content types and header values; `toRequestBytes` writes one as a client would. Paths and
 * header values stay within what HTTP/1.1 can carry (path characters from U+0021 to U+00FF, header
 * values without control characters): malformed framing is the raw fuzz's business.
 */
import fc from 'fast-check';
import {hugeString, nastyString, sqlLookingString} from './arbitraries.ts';

export type FuzzRequest = {
  readonly body: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly method: string;
  /** The request target as sent: path and query string. */
  readonly path: string;
  /** The path template of the OpenAPI document it was built on (`/v1/jobs/{id}`), or the raw path. */
  readonly template: string;
};

const UNRESERVED = /[\w.~-]/u;

/** Percent-encodes every byte of `text`'s UTF-8 (lone surrogates become U+FFFD) but the unreserved ones. */
export const percentEncode = (text: string): string => {
  let encoded = '';

  for (const byte of Buffer.from(text, 'utf8')) {
    const character = String.fromCodePoint(byte);

    encoded += byte < 0x80 && UNRESERVED.test(character) ? character : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }

  return encoded;
};

/** Characters node:http sends in a path as they are (U+0021 to U+00FF). */
const rawPathText = fc.string({maxLength: 30, unit: fc.integer({max: 0xFF, min: 0x21}).map((code) => String.fromCodePoint(code))});

/** Percent sequences that do not decode, or decode to what a database refuses (NUL, a surrogate, bad UTF-8). */
const badPercent = fc.constantFrom('%', '%Z', '%ZZ', '%00', '%C3', '%C3%28', '%ED%A0%80', '%F4%90%80%80', '%FF', '%2F', '%2e%2e', '..', '.', '%252F', '%u0041');

/** Numbers as text that a parser may read otherwise than a person would. */
const numberText = fc.oneof(
  fc.constantFrom('0', '-1', '1.5', '1e3', '0x10', '01', ' 1', '1 ', '+1', 'NaN', 'Infinity', '-0', '١٢', '9'.repeat(15), '9'.repeat(16), '9'.repeat(400), '9007199254740993', '2147483648', '4294967296'),
  fc.bigInt({max: 10n ** 30n, min: -(10n ** 30n)}).map(String),
  fc.integer({max: 100, min: 0}).map(String),
);

/** A value for a path parameter or a query parameter: a plain one, or hostile. */
const parameter = fc.oneof(
  {arbitrary: fc.constantFrom('t', '1', 'missing'), weight: 10},
  {arbitrary: numberText, weight: 3},
  {arbitrary: nastyString().map(percentEncode), weight: 3},
  {arbitrary: sqlLookingString().map(percentEncode), weight: 1},
  {arbitrary: badPercent, weight: 2},
  {arbitrary: rawPathText, weight: 1},
  {arbitrary: fc.constantFrom(2_000, 100_000).map((length) => 'x'.repeat(length)), weight: 1},
);

const ROUTES = [
  '/v1/tasks', '/v1/tasks/{name}', '/v1/tasks/{name}/pause', '/v1/tasks/{name}/resume', '/v1/tasks/{name}/trigger', '/v1/tasks/{name}/jobs',
  '/v1/jobs', '/v1/jobs/{id}', '/v1/jobs/{id}/logs', '/v1/jobs/{id}/logs/stream', '/v1/jobs/{id}/cancel', '/v1/jobs/{id}/reschedule',
  '/v1/jobs/{id}/retry', '/v1/jobs/{id}/deliveries', '/v1/workers', '/health', '/ready', '/metrics', '/openapi.json',
] as const;

const QUERY_KEYS = ['after', 'limit', 'states', 'from', 'to', 'taskName', 'olderThan', 'extra', '__proto__', 'constructor'] as const;

/** A query string: known and unknown keys (repeated, empty, hostile), or bytes that are no query string at all. */
const queryString = fc.oneof(
  {arbitrary: fc.constant(''), weight: 3},
  {arbitrary: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), nastyString(6).map(percentEncode)), fc.oneof(parameter, fc.constantFrom('DONE', 'DONE,ERROR', 'done', '30d', '-1d', '2026-01-01T00:00:00Z', '9999-99-99', ''))), {maxLength: 4})
    .map((pairs) => `?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`), weight: 5},
  {arbitrary: fc.constantFrom('?', '?&&', '?=', '?a', '?limit', '?limit[]=1', '?limit=1&limit=2', '?%', '?a=%ZZ', `?${'a=1&'.repeat(2_000)}`), weight: 2},
);

const path = fc.oneof(
  {arbitrary: fc.tuple(fc.constantFrom(...ROUTES), parameter, parameter, queryString).map(([template, name, id, query]) => ({path: `${template.replace('{name}', name).replace('{id}', id)}${query}`, template})), weight: 8},
  {arbitrary: fc.tuple(fc.constantFrom('', '/v1', '/v1/', '//v1/tasks', '/v1//tasks', '/V1/TASKS', '/v1/tasks/', '/v1/jobs/1/', '/v2/tasks', '/../v1/tasks', '/v1/tasks/%2F'), rawPathText).map(([prefix, rest]) => {
    const raw = `/${`${prefix}${rest}`.replace(/^\/+/u, '')}`;

    return {path: raw, template: raw.split('?')[0] ?? raw};
  }), weight: 2},
);

/** Numbers JSON.stringify cannot write: written into the text by hand. */
const rawNumber = fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '1.0000000000000000001', '-0', '0.1e-400', '1E+2');

/** Values for the fields of a task, a job run, a reschedule. */
const field = fc.oneof(
  {arbitrary: fc.constantFrom('* * * * *', '0 3 * * *', '* * * * * *', '15m', '1h30m', '2026-01-01T00:00:00Z', 'once', 'skip', 'UTC', 'Europe/Berlin', 'Mars/Olympus', 'fixed', 'exponential'), weight: 4},
  {arbitrary: fc.oneof(fc.integer(), fc.constantFrom(0, -1, 1.5, 2 ** 31, 2 ** 53, -(2 ** 53), 1e21, 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE)), weight: 4},
  {arbitrary: nastyString(), weight: 3},
  {arbitrary: sqlLookingString(), weight: 1},
  {arbitrary: fc.jsonValue({maxDepth: 2}), weight: 2},
  {arbitrary: fc.record({every: fc.oneof(fc.integer(), nastyString(6))}), weight: 1},
  {arbitrary: fc.record({date: fc.oneof(fc.integer(), nastyString(6), fc.constant('2026-01-01')), repeat: fc.dictionary(fc.constantFrom('months', 'M', 'm', 'ms', 'days', 'x'), fc.oneof(fc.integer(), fc.constant(1e308)))}, {requiredKeys: ['date']}), weight: 1},
  {arbitrary: fc.record({attempts: fc.oneof(fc.integer(), fc.constant(1e308)), backoff: fc.record({delay: fc.oneof(fc.integer(), fc.constant(1e308), fc.constant(-1)), jitter: fc.double(), maxDelay: fc.integer(), type: fc.constantFrom('fixed', 'exponential', 'x')}, {requiredKeys: []})}, {requiredKeys: []}), weight: 1},
);

/** A field mostly right (so that the request gets to the scheduler and the store), else anything. */
const mostly = <T>(right: fc.Arbitrary<T>) => fc.oneof({arbitrary: right, weight: 3}, {arbitrary: field, weight: 1});

/** Objects shaped like the API's bodies, with fields missing, extra, or of any type. */
const bodyLike = fc.oneof(
  fc.record({concurrency: field, extra: field, misfire: field, payload: field, retry: field, runAt: field, schedule: field, timeout: field, timezone: field}, {requiredKeys: []}),
  fc.record({
    concurrency: mostly(fc.integer({max: 5, min: 1})),
    misfire: mostly(fc.constantFrom('once', 'all', 'skip')),
    payload: field,
    schedule: mostly(fc.constantFrom('* * * * *', '1h', {every: 60_000}, {date: '2026-01-02T00:00:00Z', repeat: {days: 1}})),
    timeout: mostly(fc.constant(1000)),
    timezone: mostly(fc.constantFrom('UTC', 'Europe/Berlin')),
  }, {requiredKeys: ['schedule', 'timeout']}),
  fc.record({payload: field, runAt: mostly(fc.constantFrom('2026-01-01T00:00:00Z', '2026-01-01', 1_767_225_600_000))}, {requiredKeys: []}),
);

/** A body as text: JSON of the right shape or not, JSON with numbers no double holds, or no JSON at all. */
const body = fc.oneof(
  {arbitrary: fc.constant(null), weight: 2},
  {arbitrary: bodyLike.map((value) => JSON.stringify(value)), weight: 8},
  {arbitrary: fc.tuple(bodyLike, fc.constantFrom('timeout', 'concurrency', 'runAt', 'payload', 'schedule'), rawNumber).map(([value, key, number]) => JSON.stringify({...value, [key]: 0}).replace(`"${key}":0`, `"${key}":${number}`)), weight: 2},
  {arbitrary: fc.jsonValue({maxDepth: 3}).map((value) => JSON.stringify(value)), weight: 2},
  {arbitrary: fc.constantFrom('', '{', '[', 'null', '"\\ud800"', '{"payload":"\\u0000"}', '{"schedule":"* * * * *","timeout":1000,"payload":"\\ud800"}', '{"schedule":"* * * * *","timeout":1000,"payload":{"a\\u0000":1}}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', `{"payload":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, '\uFEFF{}', 'a=1&b=2'), weight: 2},
  {arbitrary: nastyString(), weight: 1},
  {arbitrary: hugeString().map((text) => JSON.stringify({payload: text, schedule: '1h', timeout: 1000})), weight: 1},
);

/** Header values node:http sends: tabs, printable ASCII and Latin-1 (no control characters). */
const headerValue = fc.oneof(
  {arbitrary: fc.string({maxLength: 40, unit: fc.oneof(fc.integer({max: 0x7E, min: 0x20}), fc.integer({max: 0xFF, min: 0x80})).map((code) => String.fromCodePoint(code))}), weight: 5},
  {arbitrary: fc.constantFrom('', ' ', '\t', 'Bearer', 'Bearer ', 'Bearer x', 'Basic YWxhZGRpbjpvcGVuc2VzYW1l'), weight: 5},
  {arbitrary: fc.constant('x'.repeat(8_000)), weight: 1},
);

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json; charset=utf-16', 'application/json;', 'application/jsonx', 'application/vnd.api+json', 'text/plain', 'text/html', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', '*/*', ';', ''];

const headers = fc.record({
  accept: fc.oneof(fc.constantFrom('application/json', 'text/event-stream', 'text/html', '*/*', ''), headerValue),
  'accept-encoding': fc.constantFrom('gzip', 'br', 'identity', '*', 'x'),
  authorization: headerValue,
  'if-none-match': headerValue,
  origin: headerValue,
  'x-forwarded-for': fc.oneof(fc.constantFrom('1.2.3.4', '::1', 'unknown', '1.2.3.4, 5.6.7.8'), headerValue),
  'x-request-id': headerValue,
}, {requiredKeys: []});

/** A content type: mostly JSON's, else another, a malformed one, or none. */
const contentType = fc.option(fc.oneof({arbitrary: fc.constant('application/json'), weight: 8}, {arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 2}, {arbitrary: headerValue, weight: 1}), {freq: 8, nil: undefined});

/** HTTP methods: the API's, others llhttp knows, and tokens it does not. */
const method = fc.oneof(
  {arbitrary: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE'), weight: 8},
  {arbitrary: fc.constantFrom('HEAD', 'OPTIONS', 'PATCH', 'TRACE', 'PROPFIND', 'SEARCH', 'PURGE'), weight: 2},
);

/** The API's operations: a method with the path template it serves. */
const OPERATIONS: ReadonlyArray<readonly [string, (typeof ROUTES)[number]]> = [
  ['GET', '/v1/tasks'], ['GET', '/v1/tasks/{name}'], ['PUT', '/v1/tasks/{name}'], ['DELETE', '/v1/tasks/{name}'], ['POST', '/v1/tasks/{name}/pause'],
  ['POST', '/v1/tasks/{name}/resume'], ['POST', '/v1/tasks/{name}/trigger'], ['GET', '/v1/tasks/{name}/jobs'], ['POST', '/v1/tasks/{name}/jobs'],
  ['GET', '/v1/jobs'], ['DELETE', '/v1/jobs'], ['GET', '/v1/jobs/{id}'], ['GET', '/v1/jobs/{id}/logs'], ['GET', '/v1/jobs/{id}/logs/stream'],
  ['POST', '/v1/jobs/{id}/cancel'], ['POST', '/v1/jobs/{id}/reschedule'], ['POST', '/v1/jobs/{id}/retry'], ['GET', '/v1/jobs/{id}/deliveries'], ['GET', '/v1/workers'],
];

/** An operation of the API with hostile parameters and query. */
const operation = fc.tuple(fc.constantFrom(...OPERATIONS), parameter, parameter, queryString).map(([[verb, template], name, id, query]) => ({
  method: verb,
  path: {path: `${template.replace('{name}', name).replace('{id}', id)}${query}`, template},
}));

/** Requests to the API, mostly its operations, else any method on any path, with hostile parameters, queries, bodies and headers. */
export const fuzzRequest = (): fc.Arbitrary<FuzzRequest> => fc.record({
  body,
  contentType,
  headers,
  target: fc.oneof({arbitrary: operation, weight: 3}, {arbitrary: fc.record({method, path}), weight: 2}),
}).map(({body: text, contentType: type, headers: extra, target}) => ({
  body: text,
  headers: type === undefined ? extra : {...extra, 'content-type': type},
  method: target.method,
  path: target.path.path,
  template: target.path.template,
}));

/** The bytes of `request` as HTTP/1.1 with `Connection: close` (and `Content-Length` when it has a body). */
export const toRequestBytes = ({body, headers, method, path}: FuzzRequest): Buffer => {
  const content = body === null ? null : Buffer.from(body, 'utf8');
  const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1', 'connection: close', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];

  if (content !== null) {
    lines.push(`content-length: ${content.length}`);
  }

  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), content ?? Buffer.alloc(0)]);
};
