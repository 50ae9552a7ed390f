/**
 * The command's HTTP client against a plain node:http server that answers as the API does: error
 * bodies, answers that are not the API's, and the log stream's Server-Sent Events (entries, then
 * `end`, on a connection the server leaves open: the client stops at `end` by itself).
 */
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import test from 'ava';
import {createApiClient} from '../../src/cli/createApiClient.ts';
import {followJobLogs} from '../../src/cli/followJobLogs.ts';

const entry = (attempt: number, message: string) => ({attempt, date: '2026-12-03T08:46:37.000Z', message, progress: null, step: null});

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });

  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const server = createServer((request, response) => {
  if (request.url === '/v1/jobs/7/logs/stream') {
    response.writeHead(200, {'cache-control': 'no-cache', 'content-type': 'text/event-stream'});
    response.write(`data: ${JSON.stringify(entry(1, 'first'))}\n\n`);
    response.write(`event: log\ndata: ${JSON.stringify(entry(2, 'second'))}\n\n: a comment\n\n`);
    response.write('event: end\ndata: {"id":7,"state":"DONE"}\n\n');

    // Left open: the client must stop at `end`.
    return;
  }

  if (request.url === '/v1/jobs/8') {
    response.writeHead(404, {'content-type': 'application/json'}).end(JSON.stringify({code: 'UNKNOWN_JOB', jobId: 8, message: 'No job has the id 8.'}));

    return;
  }

  if (request.url === '/v1/tasks') {
    response.writeHead(200, {'content-type': 'text/html'}).end('<html>not planton</html>');

    return;
  }

  response.writeHead(502, {'content-type': 'text/plain'}).end('bad gateway');
});

const url = listen(server);

test.after.always(() => {
  server.closeAllConnections();
  server.close();
});

test('`logs --follow` prints the stream\'s entries and ends at its `end` event with the job\'s state', async (t) => {
  const entries: unknown[] = [];
  const ended = await followJobLogs({client: createApiClient({url: await url}), jobId: 7, onEntry: (value) => entries.push(value)});

  t.is(ended, 'DONE');
  t.deepEqual(entries, [entry(1, 'first'), entry(2, 'second')]);
});

test('an error body rejects with the server\'s code and fields', async (t) => {
  const error = await t.throwsAsync(createApiClient({url: await url}).request({method: 'GET', path: '/v1/jobs/8'}));

  t.like(error, {body: {jobId: 8}, code: 'UNKNOWN_JOB', message: 'No job has the id 8.', statusCode: 404});
});

test('an answer that is not the API\'s rejects with UNEXPECTED_RESPONSE', async (t) => {
  const client = createApiClient({url: await url});

  t.like(await t.throwsAsync(client.request({method: 'GET', path: '/v1/tasks'})), {code: 'UNEXPECTED_RESPONSE', statusCode: 200});
  t.like(await t.throwsAsync(client.request({method: 'GET', path: '/elsewhere'})), {code: 'UNEXPECTED_RESPONSE', statusCode: 502});
  t.like(await t.throwsAsync(client.stream('/v1/tasks', () => undefined)), {code: 'UNEXPECTED_RESPONSE'});
});

test('a server that does not answer in time rejects with server_unreachable', async (t) => {
  const silent = createServer(() => {
    // Never answers.
  });
  const silentUrl = await listen(silent);

  t.teardown(() => {
    silent.closeAllConnections();
    silent.close();
  });

  t.like(await t.throwsAsync(createApiClient({timeout: 200, url: silentUrl}).request({method: 'GET', path: '/v1/tasks'})), {code: 'server_unreachable'});
});
