/**
 * Fuzz of the HTTP API through real requests against a listening server (its scheduler on PGlite,
 * whose store refuses what PostgreSQL cannot hold): any method, path, query string, body and header
 * values get either a JSON `{code, message}` error with a 4xx status or a 2xx response that conforms
 * to the server's OpenAPI document — never a 5xx, never a hang — and the server stays up; without
 * tokens, and with tokens and any `Authorization` header.
 */
import test, {type ExecutionContext} from 'ava';
import fc from 'fast-check';
import type {ServerConfiguration} from '../../src/server/index.ts';
import {createPgliteStores} from '../scheduler/helpers/postgresStores.ts';
import {createOpenApiValidator} from '../server/helpers/createOpenApiValidator.ts';
import {startServer} from '../server/helpers/startServer.ts';
import {withDeadline} from '../helpers/withDeadline.ts';
import {type FuzzRequest, fuzzRequest, toRequestBytes} from './helpers/httpArbitraries.ts';
import {runProperty} from './helpers/runProperty.ts';
import {sendRawRequest} from '../helpers/sendRawRequest.ts';

const createStore = createPgliteStores();

type Answer = {
  readonly body: string;
  readonly complete: boolean;
  readonly contentType: string;
  readonly status: number;
};

const send = async (port: number, fuzz: FuzzRequest): Promise<Answer> => {
  const {body, complete, headers, status} = await sendRawRequest(port, toRequestBytes(fuzz), fuzz.method);

  return {body, complete, contentType: headers['content-type'] ?? '', status};
};

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
};

/** Why `answer` breaks the rule (a 4xx JSON `{code, message}` or a 2xx the document describes), or null. */
const judge = (answer: Answer, fuzz: FuzzRequest, check: ReturnType<typeof createOpenApiValidator>['check']): string | null => {
  // The server answered before reading a large body, then reset the connection: only the status arrived whole.
  if (!answer.complete) {
    return answer.status >= 200 && answer.status < 500 ? null : `status ${answer.status} (the body lost to a reset)`;
  }

  if (answer.status >= 400 && answer.status < 500) {
    if (!answer.contentType.startsWith('application/json')) {
      return `a ${answer.status} of type ${answer.contentType}`;
    }

    // A HEAD response has the headers of the GET's, without its body.
    if (fuzz.method === 'HEAD') {
      return answer.body === '' ? null : `a HEAD ${answer.status} with a body`;
    }

    const body = parseJson(answer.body) as {readonly code?: unknown; readonly message?: unknown} | null;

    return typeof body?.code === 'string' && typeof body.message === 'string' ? null : `a ${answer.status} without {code, message}: ${answer.body.slice(0, 300)}`;
  }

  if (answer.status >= 200 && answer.status < 300) {
    if (fuzz.method === 'HEAD' || answer.contentType.startsWith('text/')) {
      return null;
    }

    const body = answer.body === '' ? null : answer.contentType.startsWith('application/json') ? parseJson(answer.body) : answer.body;

    // The document itself is not among its paths.
    if (fuzz.template === '/openapi.json') {
      return (body as {readonly openapi?: unknown} | null)?.openapi === '3.1.0' ? null : 'an OpenAPI document without `openapi: 3.1.0`';
    }

    return check({body, method: fuzz.method, path: fuzz.template, status: answer.status});
  }

  return `status ${answer.status}: ${answer.body.slice(0, 300)}`;
};

const ADMIN = 'admin-token-0123456789';
const READ = 'read-token-0123456789ab';
const WORKER = 'worker-token-0123456789';

const start = async (t: ExecutionContext, configuration: Omit<ServerConfiguration, 'scheduler'> = {}) => {
  const {cleanup, store} = await createStore();

  t.teardown(async () => {
    await cleanup?.();
  });

  const harness = await startServer(t, store, {defaultMetrics: false, rateLimit: false, ...configuration});
  const token = configuration.auth === undefined ? undefined : ADMIN;
  // A task `t` with a job (id 1 or so), so that requests on existing things get past the lookups.
  t.like(await harness.api.request('PUT', '/v1/tasks/{name}', {body: {schedule: '0 3 * * *', timeout: 1000}, params: {name: 't'}, token}), {status: 201});
  t.like(await harness.api.request('POST', '/v1/tasks/{name}/jobs', {body: {payload: {a: 1}}, params: {name: 't'}, token}), {status: 201});

  return {...harness, port: Number(new URL(harness.api.url).port), validator: createOpenApiValidator(await harness.server.openapi())};
};

/** Sends each request of the property to the server on `port` and throws on a response that breaks the rule; counts the statuses. */
const checkRequests = async (port: number, check: ReturnType<typeof createOpenApiValidator>['check'], requests: fc.Arbitrary<FuzzRequest>, numRuns: number) => {
  const statuses = new Map<number, number>();

  await runProperty(fc.asyncProperty(requests, async (fuzz) => {
    const request = `${fuzz.method} ${fuzz.path.slice(0, 300)} (${JSON.stringify(fuzz.headers).slice(0, 300)}, body of ${fuzz.body?.length ?? 'no'} characters)`;
    const answer = await withDeadline(send(port, fuzz), request, 30_000).catch((error: unknown) => {
      throw new Error(`${request}: ${error instanceof Error ? error.message : String(error)}`, {cause: error});
    });
    const problem = judge(answer, fuzz, check);

    statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);

    if (problem !== null) {
      throw new Error(`${request} → ${problem}`);
    }
  }), {numRuns, timeLimit: 30_000});

  return `statuses: ${[...statuses].toSorted(([left], [right]) => left - right).map(([status, count]) => `${status} ×${count}`).join(', ')}`;
};

test('malformed HTTP requests get a 4xx JSON {code, message} or a valid 2xx, never a 5xx; the server stays up', async (t) => {
  const {api, port, validator} = await start(t);
  const statuses = await checkRequests(port, validator.check, fuzzRequest(), 400);

  t.log(statuses);
  t.regex(statuses, / 2\d\d ×/u, 'some requests got through');
  t.like(await api.request('GET', '/health'), {body: {status: 'ok'}, status: 200});
  t.like(await api.request('GET', '/v1/tasks'), {status: 200}, 'the API still answers');
});

test('with tokens, requests with any Authorization header get a 4xx JSON {code, message} or a valid 2xx, never a 5xx', async (t) => {
  const {api, port, validator} = await start(t, {auth: {tokens: [{role: 'admin', token: ADMIN}, {role: 'read', token: READ}, {role: 'worker', token: WORKER}]}});
  const authorization = fc.oneof(
    fc.constantFrom(`Bearer ${ADMIN}`, `Bearer ${READ}`, `Bearer ${WORKER}`, `bearer ${ADMIN}`, `Bearer  ${READ}  `, `Bearer ${ADMIN} ${READ}`, `Basic ${ADMIN}`, `Bearer ${ADMIN.slice(0, -1)}`, `Bearer ${ADMIN}\t`, 'Bearer', ''),
    fc.string({maxLength: 60, unit: fc.integer({max: 0xFF, min: 0x20}).map((code) => String.fromCodePoint(code))}).map((text) => `Bearer ${text}`),
  );
  const requests = fc.tuple(fuzzRequest(), fc.option(authorization, {freq: 6, nil: undefined})).map(([fuzz, header]) => {
    const {authorization: _random, ...headers} = fuzz.headers;

    return {...fuzz, headers: header === undefined ? headers : {...headers, authorization: header}};
  });
  const statuses = await checkRequests(port, validator.check, requests, 200);

  t.log(statuses);
  t.regex(statuses, / 401 ×/u);
  t.regex(statuses, / 2\d\d ×/u, 'some requests got through');
  t.like(await api.request('GET', '/health'), {body: {status: 'ok'}, status: 200});
});
