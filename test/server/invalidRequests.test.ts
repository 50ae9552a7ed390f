/**
 * Invalid requests through real HTTP (memory store: they fail before the store, or in the
 * scheduler's validation): 400 naming the field, 404, 413, 415. Every response is checked against
 * /openapi.json.
 */
import test from 'ava';
import {createMemorySchedulerStore} from '../../src/scheduler/index.ts';
import {sendRawRequest} from '../helpers/sendRawRequest.ts';
import {startServer} from './helpers/startServer.ts';

const cases: Array<[title: string, body: unknown, code: string, field: string]> = [
  ['no timeout', {schedule: '* * * * *'}, 'INVALID_REQUEST', 'timeout'],
  ['a timeout as a string', {schedule: '* * * * *', timeout: '5s'}, 'INVALID_REQUEST', 'timeout'],
  ['a misspelt option', {schedule: '* * * * *', timeout: 1000, timout: 1000}, 'INVALID_REQUEST', 'timout'],
  ['an unknown misfire policy', {misfire: 'never', schedule: '* * * * *', timeout: 1000}, 'INVALID_REQUEST', 'misfire'],
  ['an unknown backoff type', {retry: {attempts: 2, backoff: {delay: 1, type: 'linear'}}, schedule: '* * * * *', timeout: 1000}, 'INVALID_REQUEST', 'retry.backoff.type'],
  ['a cron expression out of range', {schedule: '61 * * * *', timeout: 1000}, 'INVALID_CRON_EXPRESSION', 'schedule'],
  ['a negative timeout', {schedule: '* * * * *', timeout: -1}, 'INVALID_TIMEOUT', 'timeout'],
  ['an unknown time zone', {schedule: '* * * * *', timeout: 1000, timezone: 'Mars/Olympus_Mons'}, 'INVALID_TIMEZONE', 'timezone'],
  ['a date that is not one', {schedule: {date: 'soon'}, timeout: 1000}, 'INVALID_DATE', 'schedule.date'],
  ['a negative repeat', {schedule: {date: '2026-01-02', repeat: {months: -1}}, timeout: 1000}, 'INVALID_REPEAT', 'schedule.repeat.months'],
  ['an interval of 0', {schedule: {every: 0}, timeout: 1000}, 'INVALID_INTERVAL', 'schedule.every'],
  ['no attempts', {retry: {attempts: 0}, schedule: '* * * * *', timeout: 1000}, 'INVALID_RETRY_POLICY', 'retry.attempts'],
  ['a concurrency of 0', {concurrency: 0, schedule: '* * * * *', timeout: 1000}, 'INVALID_SCHEDULER_CONFIGURATION', 'concurrency'],
];

for (const [title, body, code, field] of cases) {
  test(`PUT /v1/tasks/:name with ${title} is 400 ${code} naming \`${field}\`, and stores nothing`, async (t) => {
    const {api} = await startServer(t, createMemorySchedulerStore());
    const response = await api.request('PUT', '/v1/tasks/{name}', {body, params: {name: 'bad'}});

    t.like(response, {body: {code, field}, status: 400});
    t.regex(response.body.message, new RegExp(field.split('.').at(-1) ?? field, 'u'));
    t.like(await api.request('GET', '/v1/tasks/{name}', {params: {name: 'bad'}}), {status: 404});
  });
}

test('job routes: an id that is not an integer and a reschedule without a valid runAt are 400 naming the field', async (t) => {
  const {api} = await startServer(t, createMemorySchedulerStore());

  t.like(await api.request('GET', '/v1/jobs/{id}', {params: {id: 'abc'}}), {body: {code: 'INVALID_REQUEST', field: 'id', location: 'params'}, status: 400});
  t.like(await api.request('POST', '/v1/jobs/{id}/cancel', {params: {id: '-1'}}), {body: {code: 'INVALID_REQUEST', field: 'id'}, status: 400});
  t.like(await api.request('POST', '/v1/jobs/{id}/reschedule', {body: {}, params: {id: 1}}), {body: {code: 'INVALID_REQUEST', field: 'runAt'}, status: 400});
  t.like(await api.request('POST', '/v1/jobs/{id}/reschedule', {body: {runAt: 'tomorrow'}, params: {id: 1}}), {body: {code: 'INVALID_DATE', field: 'runAt'}, status: 400});
});

test('a body that is not JSON is 400 INVALID_JSON; another content type is 415 UNSUPPORTED_MEDIA_TYPE; a body that is not an object is 400', async (t) => {
  const {api} = await startServer(t, createMemorySchedulerStore());
  const params = {name: 'x'};

  t.like(await api.request('PUT', '/v1/tasks/{name}', {headers: {'content-type': 'application/json'}, params, rawBody: '{"schedule": '}), {body: {code: 'INVALID_JSON'}, status: 400});
  t.like(await api.request('PUT', '/v1/tasks/{name}', {headers: {'content-type': 'application/json'}, params, rawBody: '{"__proto__": {"admin": true}}'}), {body: {code: 'INVALID_JSON'}, status: 400});
  t.like(await api.request('PUT', '/v1/tasks/{name}', {headers: {'content-type': 'text/plain'}, params, rawBody: 'schedule=* * * * *'}), {body: {code: 'UNSUPPORTED_MEDIA_TYPE'}, status: 415});
  t.like(await api.request('PUT', '/v1/tasks/{name}', {body: ['* * * * *'], params}), {body: {code: 'INVALID_REQUEST'}, status: 400});
  t.like(await api.request('PUT', '/v1/tasks/{name}', {params}), {body: {code: 'INVALID_REQUEST'}, status: 400});
});

test('a body over bodyLimit is 413 PAYLOAD_TOO_LARGE; one under it is accepted', async (t) => {
  const {api} = await startServer(t, createMemorySchedulerStore(), {bodyLimit: 2048});

  t.like(await api.request('PUT', '/v1/tasks/{name}', {body: {payload: 'x'.repeat(4096), schedule: '1h', timeout: 1000}, params: {name: 'big'}}), {body: {code: 'PAYLOAD_TOO_LARGE'}, status: 413});
  t.like(await api.request('PUT', '/v1/tasks/{name}', {body: {payload: 'x'.repeat(1024), schedule: '1h', timeout: 1000}, params: {name: 'big'}}), {status: 201});
});

test('an unknown route or method is 404 ROUTE_NOT_FOUND as JSON', async (t) => {
  const {api} = await startServer(t, createMemorySchedulerStore());

  t.like(await api.request('GET', '/v2/tasks'), {body: {code: 'ROUTE_NOT_FOUND', message: 'No route GET /v2/tasks.'}, status: 404});
  t.like(await api.request('PATCH', '/v1/tasks'), {body: {code: 'ROUTE_NOT_FOUND'}, status: 404});
});

test('a task name of 300 characters, with spaces and slashes, works in paths', async (t) => {
  const {api} = await startServer(t, createMemorySchedulerStore());
  const name = `reports / ${'x'.repeat(290)}`;

  t.like(await api.request('PUT', '/v1/tasks/{name}', {body: {schedule: '1h', timeout: 1000}, params: {name}}), {body: {name}, status: 201});
  t.like(await api.request('GET', '/v1/tasks/{name}', {params: {name}}), {body: {name}, status: 200});
});

test('job queries: bad paging and filters are 400 naming the query field; an unknown parameter is refused', async (t) => {
  const {api} = await startServer(t, createMemorySchedulerStore());
  const cases: Array<[method: string, query: Record<string, string>, code: string, field: string]> = [
    ['GET', {limit: '0'}, 'INVALID_REQUEST', 'limit'],
    ['GET', {limit: '501'}, 'INVALID_REQUEST', 'limit'],
    ['GET', {limit: 'ten'}, 'INVALID_REQUEST', 'limit'],
    ['GET', {states: 'DONE,FINISHED'}, 'INVALID_REQUEST', 'states'],
    ['GET', {states: ''}, 'INVALID_REQUEST', 'states'],
    ['GET', {sort: 'asc'}, 'INVALID_REQUEST', 'sort'],
    ['GET', {from: 'yesterday'}, 'INVALID_DATE', 'from'],
    ['GET', {after: 'not-a-cursor'}, 'INVALID_ARGUMENT', 'after'],
    ['DELETE', {}, 'INVALID_REQUEST', 'olderThan'],
    ['DELETE', {olderThan: 'a while'}, 'INVALID_DATE', 'olderThan'],
    ['DELETE', {olderThan: '30d', states: 'RUNNING'}, 'INVALID_REQUEST', 'states'],
  ];

  for (const [method, query, code, field] of cases) {
    t.like(await api.request(method, '/v1/jobs', {query}), {body: {code, field}, status: 400}, `${method} ${JSON.stringify(query)}`);
  }

  t.like(await api.request('GET', '/v1/tasks/{name}/jobs', {params: {name: 'x'}, query: {limit: '-1'}}), {body: {code: 'INVALID_REQUEST', field: 'limit', location: 'querystring'}, status: 400});
  t.like(await api.request('POST', '/v1/tasks/{name}/jobs', {body: {payload: 1, when: 'now'}, params: {name: 'x'}}), {body: {code: 'INVALID_REQUEST', field: 'when'}, status: 400});
});

test('a request Node\'s HTTP parser refuses is 400 INVALID_HTTP_REQUEST, headers too large 431 HEADERS_TOO_LARGE, both as {code, message}; one without Host is served', async (t) => {
  const {api} = await startServer(t, createMemorySchedulerStore());
  const port = Number(new URL(api.url).port);
  const send = async (request: string) => await sendRawRequest(port, Buffer.from(request, 'latin1'), 'GET');

  for (const request of ['FOO /v1/tasks HTTP/1.1\r\nhost: x\r\n\r\n', 'GET /v1/tasks HTTP/1.1\r\nhost: x\r\nbad header\r\n\r\n', 'GET /v1/tasks HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n', 'GET / v1\r\n\r\n']) {
    const answer = await send(request);

    t.like(answer, {headers: {'content-type': 'application/json; charset=utf-8'}, status: 400}, JSON.stringify(request));
    t.deepEqual(JSON.parse(answer.body), {code: 'INVALID_HTTP_REQUEST', message: 'The request is not valid HTTP/1.1.'});
  }

  const hostless = await send('GET /v1/nothing HTTP/1.1\r\n\r\n');

  t.like(hostless, {status: 404}, 'an HTTP/1.1 request without Host is served, its error as JSON');
  t.like(JSON.parse(hostless.body), {code: 'ROUTE_NOT_FOUND'});

  const large = await send(`GET /v1/tasks HTTP/1.1\r\nhost: x\r\nx-large: ${'x'.repeat(20_000)}\r\n\r\n`);

  t.like(large, {status: 431});
  t.like(JSON.parse(large.body), {code: 'HEADERS_TOO_LARGE'});
  t.like(await api.request('GET', '/health'), {status: 200});
});
