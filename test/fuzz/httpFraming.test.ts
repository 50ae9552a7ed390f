/**
 * Fuzz of HTTP/1.1 framing against a listening server (memory store: nothing here reaches a store):
 * request lines, header lines and bodies as raw bytes — unknown methods, control characters, bare
 * LF, conflicting Content-Length and Transfer-Encoding, broken chunks, truncated bodies. Each gets a
 * JSON `{code, message}` with a 4xx status, a 2xx, or the connection closed without an answer
 * (a request cut short, a CONNECT, which Node closes when nothing listens for tunnels); never a
 * 5xx. The server answers /health after.
 */
import test from 'ava';
import fc from 'fast-check';
import {createMemorySchedulerStore} from '../../src/scheduler/index.ts';
import {sendRawRequest} from '../helpers/sendRawRequest.ts';
import {withDeadline} from '../helpers/withDeadline.ts';
import {startServer} from '../server/helpers/startServer.ts';
import {runProperty} from './helpers/runProperty.ts';

/** Bytes as a latin1 string (one character per byte). */
const bytes = (maxLength: number) => fc.uint8Array({maxLength}).map((array) => Buffer.from(array).toString('latin1'));

const method = fc.oneof(
  {arbitrary: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE', 'PRI'), weight: 4},
  {arbitrary: fc.constantFrom('get', 'G ET', 'GET\u0000', 'FOO', '', ' ', 'GET\t', 'Ǵ'), weight: 2},
  {arbitrary: bytes(8), weight: 1},
);

const target = fc.oneof(
  {arbitrary: fc.constantFrom('/v1/tasks', '/v1/tasks/t', '/v1/jobs?limit=1', '/health', '*', 'http://x/v1/tasks', '//', '/v1/tasks/%00', '/v1/jobs/1/logs/stream'), weight: 4},
  {arbitrary: fc.constantFrom('/v1/tasks/a b', '/v1/\u0000', '/v1/\u007F', '/\u00FF', '', 'v1/tasks', '/v1/tasks\r'), weight: 2},
  {arbitrary: bytes(20).map((text) => `/${text}`), weight: 1},
);

const version = fc.oneof({arbitrary: fc.constant('HTTP/1.1'), weight: 6}, {arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1x', 'HTTP/1', 'http/1.1', ''), weight: 2});

const headerLine = fc.oneof(
  {arbitrary: fc.constantFrom('host: x', 'content-type: application/json', 'connection: close', 'connection: keep-alive', 'authorization: Bearer x'), weight: 12},
  {arbitrary: fc.constantFrom('content-length: 2', 'content-length: 0', 'content-length: -1', 'content-length: 1e3', 'content-length: 99999999999999999999', 'content-length: 2, 2', 'content-length: 2, 3', 'content-length:', 'content-length: 5'), weight: 3},
  {arbitrary: fc.constantFrom('transfer-encoding: chunked', 'transfer-encoding: gzip, chunked', 'transfer-encoding: chunked, gzip', 'transfer-encoding: identity', 'transfer-encoding: xchunked'), weight: 3},
  {arbitrary: fc.constantFrom('no colon', ' folded: line', '\tfolded', ': no name', 'x y: space in name', 'x: \u0000', 'x: \u007F', 'expect: 100-continue', 'upgrade: websocket', 'connection: upgrade'), weight: 2},
  {arbitrary: fc.tuple(bytes(8), bytes(16)).map(([name, value]) => `${name}: ${value}`), weight: 1},
);

const body = fc.oneof(
  {arbitrary: fc.constantFrom('', '{}', '{"schedule":"1h","timeout":1000}', 'null'), weight: 3},
  {arbitrary: fc.constantFrom('2\r\n{}\r\n0\r\n\r\n', '0\r\n\r\n', 'zz\r\n{}\r\n0\r\n\r\n', '2\r\n{}', '2;ext=1\r\n{}\r\n0\r\n\r\n', 'ffffffffffffffff\r\n', '-1\r\n\r\n', '2\r\n{}\r\n0\r\ntrailer: x\r\n\r\n', '2\n{}\n0\n\n'), weight: 3},
  {arbitrary: bytes(64), weight: 1},
);

/** A request as raw bytes: a request line, header lines and a body, lines ended by CRLF or a bare LF. */
const rawRequest = fc.record({body, headerLines: fc.array(headerLine, {maxLength: 6}), lineEnd: fc.constantFrom('\r\n', '\r\n', '\r\n', '\n'), method, target, version})
  .map(({body: content, headerLines, lineEnd, method: verb, target: path, version: protocol}) => ({
    method: verb,
    request: Buffer.from(`${[`${verb} ${path} ${protocol}`.trimEnd(), ...headerLines].join(lineEnd)}${lineEnd}${lineEnd}${content}`, 'latin1'),
  }));

test('malformed HTTP/1.1 framing gets a 4xx {code, message}, a 2xx or a closed connection, never a 5xx; the server stays up', async (t) => {
  const {api} = await startServer(t, createMemorySchedulerStore(), {defaultMetrics: false, rateLimit: false});
  const port = Number(new URL(api.url).port);
  const statuses = new Map<number, number>();

  await runProperty(fc.asyncProperty(rawRequest, async ({method: verb, request}) => {
    const description = JSON.stringify(request.toString('latin1').slice(0, 300));
    const answer = await withDeadline(sendRawRequest(port, request, verb), description, 30_000);

    statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);

    if (answer.status >= 500 || (answer.status > 0 && answer.status < 200)) {
      throw new Error(`${description} → ${answer.status} ${answer.body.slice(0, 300)}`);
    }

    if (answer.status >= 400 && verb !== 'HEAD') {
      const parsed = JSON.parse(answer.body) as {readonly code?: unknown; readonly message?: unknown};

      if (typeof parsed.code !== 'string' || typeof parsed.message !== 'string') {
        throw new Error(`${description} → ${answer.status} without {code, message}: ${answer.body.slice(0, 300)}`);
      }
    }
  }), {numRuns: 500, timeLimit: 20_000});

  t.log(`statuses (0: closed without an answer): ${[...statuses].toSorted(([left], [right]) => left - right).map(([status, count]) => `${status} ×${count}`).join(', ')}`);
  t.true(statuses.has(400), 'some requests were refused by the parser');
  t.like(await api.request('GET', '/health'), {body: {status: 'ok'}, status: 200});
});
