import {STATUS_CODES} from 'node:http';
import type {Socket} from 'node:net';

/** What a malformed request gets, by the code of Node's parser error. */
const ANSWERS: Readonly<Record<string, {readonly code: string; readonly message: string; readonly status: number}>> = {
  ERR_HTTP_REQUEST_TIMEOUT: {code: 'REQUEST_TIMEOUT', message: 'The request did not arrive in time.', status: 408},
  HPE_HEADER_OVERFLOW: {code: 'HEADERS_TOO_LARGE', message: 'The request headers are larger than the server accepts.', status: 431},
};

const INVALID = {code: 'INVALID_HTTP_REQUEST', message: 'The request is not valid HTTP/1.1.', status: 400};

/**
 * Fastify's `clientErrorHandler`: a request Node's parser refuses (an unknown method, a bad header,
 * a body it cannot frame) never reaches Fastify's routes or error handler, and Fastify's default
 * answer is `{error, message, statusCode}`. This one answers the server's `{code, message}` like
 * every other error, then closes the connection, as Node does. As Node, it writes nothing on a
 * connection that has had an answer already: the bytes after a request answered with `Connection:
 * close` (its unread body) may fail to parse, and a second response there would break the first.
 */
export const answerClientError = (error: Error & {readonly code?: string}, socket: Socket): void => {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) {
    return;
  }

  const {code, message, status} = ANSWERS[error.code ?? ''] ?? INVALID;
  const body = JSON.stringify({code, message});

  if (socket.writable && socket.bytesWritten === 0) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\n\r\n${body}`);
  }

  socket.destroy();
};
