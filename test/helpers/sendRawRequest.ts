import {connect} from 'node:net';

export type RawAnswer = {
  /** The body as UTF-8 (chunked bodies decoded); empty for HEAD and for a Server-Sent Events stream, which is cut after its head. */
  readonly body: string;
  /**
   * `false` when the body is shorter than its `Content-Length` (or its last chunk is missing): the
   * server reset the connection while the request was still being sent (as Node does once it has
   * answered a request whose body it did not read), and what it had sent was lost with it.
   */
  readonly complete: boolean;
  readonly headers: Readonly<Record<string, string>>;
  /** The status of the first response on the connection (after any 1xx); 0 when the server closed it without one. */
  readonly status: number;
};

const HEAD_END = Buffer.from('\r\n\r\n');

/** Decodes a `Transfer-Encoding: chunked` body (as much of it as arrived). */
const decodeChunked = (data: Buffer): Buffer => {
  const parts: Buffer[] = [];
  let offset = 0;

  while (offset < data.length) {
    const lineEnd = data.indexOf('\r\n', offset);
    const size = lineEnd === -1 ? Number.NaN : Number.parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);

    if (!Number.isSafeInteger(size) || size === 0) {
      break;
    }

    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }

  return Buffer.concat(parts);
};

const parse = (data: Buffer, method: string): RawAnswer => {
  const headEnd = data.indexOf(HEAD_END);

  if (headEnd === -1) {
    return {body: '', complete: true, headers: {}, status: 0};
  }

  const [statusLine = '', ...lines] = data.subarray(0, headEnd).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};

  for (const line of lines) {
    const colon = line.indexOf(':');

    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }

  const status = Number(/^HTTP\/1\.1 (?<status>\d{3})/u.exec(statusLine)?.groups?.status ?? 0);

  // An interim answer (`100 Continue` to `Expect: 100-continue`): the response follows it.
  if (status >= 100 && status < 200) {
    return parse(data.subarray(headEnd + 4), method);
  }
  let body = data.subarray(headEnd + 4);
  let complete = true;

  if (method === 'HEAD' || (headers['content-type'] ?? '').startsWith('text/event-stream')) {
    body = Buffer.alloc(0);
  } else if (headers['transfer-encoding'] === 'chunked') {
    complete = body.includes('0\r\n\r\n');
    body = decodeChunked(body);
  } else if (headers['content-length'] !== undefined) {
    complete = body.length >= Number(headers['content-length']);
    body = body.subarray(0, Number(headers['content-length']));
  }

  return {body: body.toString('utf8'), complete, headers, status};
};

/**
 * Writes `request` (bytes, as a client would, however malformed) to a new connection to the server
 * on `port` of 127.0.0.1, and resolves the first response once the server closed the connection
 * (send `Connection: close`) or, for Server-Sent Events, once the stream's head has come. A client
 * of its own: node:http's refuses much of what the fuzz sends, and reads a response to a HEAD or a
 * pipelined answer its own way.
 */
export const sendRawRequest = async (port: number, request: Buffer, method: string): Promise<RawAnswer> => {
  return await new Promise<RawAnswer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      socket.end(request);
    });

    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);

      const data = Buffer.concat(chunks);
      const headEnd = data.indexOf(HEAD_END);

      // A stream of events would last as long as its job: its head is all there is to judge.
      if (headEnd !== -1 && /content-type: text\/event-stream/iu.test(data.subarray(0, headEnd).toString('latin1'))) {
        socket.destroy();
        resolve(parse(data, method));
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The server may close (reset) the connection before reading all of a request it refused.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
        resolve(parse(Buffer.concat(chunks), method));
      } else {
        reject(error);
      }
    });
    socket.on('close', () => {
      resolve(parse(Buffer.concat(chunks), method));
    });
  });
};
