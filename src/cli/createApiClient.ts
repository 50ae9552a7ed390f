import {createParser, type EventSourceMessage} from 'eventsource-parser';
import {ApiError, ServerUnreachableError, UnexpectedResponseError} from './errors.ts';

export type ApiClientConfiguration = {
  /**
   * Milliseconds a request may take (streams excepted) before it fails with `server_unreachable`.
   * @default 30000
   */
  readonly timeout?: number;
  /**
   * Sent as `Authorization: Bearer <token>`.
   * @default none
   */
  readonly token?: string;
  /** The server's base URL, such as `http://127.0.0.1:2718`. */
  readonly url: string;
};

export type ApiRequest = {
  readonly body?: unknown;
  readonly method: 'DELETE' | 'GET' | 'POST' | 'PUT';
  /** The path under the base URL, segments already encoded: `/v1/jobs/12`. */
  readonly path: string;
  /** Query parameters; `undefined` ones are left out. */
  readonly query?: Readonly<Record<string, number | string | undefined>>;
};

export type ApiClient = {
  /** The JSON body of a successful answer (`null` for 204); an error body rejects with `ApiError`. */
  readonly request: <T>(request: ApiRequest) => Promise<T>;
  /** Reads a Server-Sent Events stream, calling `onEvent` per event, until the server ends it or `signal` aborts. */
  readonly stream: (path: string, onEvent: (event: EventSourceMessage) => void, signal?: AbortSignal) => Promise<void>;
};

const toUrl = (base: string, path: string, query: ApiRequest['query'] = {}): URL => {
  const url = new URL(base.replace(/\/+$/u, '') + path);

  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) {
      url.searchParams.set(name, String(value));
    }
  }

  return url;
};

const isErrorBody = (body: unknown): body is {readonly code: string; readonly message: string} => {
  return typeof body === 'object' && body !== null && typeof (body as {code?: unknown}).code === 'string' && typeof (body as {message?: unknown}).message === 'string';
};

/** The HTTP API of a Planton server, through `fetch`: errors become `ApiError` with the server's code, a server that does not answer `server_unreachable`. */
export const createApiClient = ({timeout = 30_000, token, url}: ApiClientConfiguration): ApiClient => {
  const headers = (extra: Record<string, string>): Record<string, string> => token === undefined || token === '' ? extra : {...extra, authorization: `Bearer ${token}`};

  const send = async (target: URL, init: RequestInit): Promise<Response> => {
    try {
      return await fetch(target, init);
    } catch (error) {
      throw new ServerUnreachableError(url, error);
    }
  };

  const readBody = async (target: URL, response: Response): Promise<unknown> => {
    const text = await response.text();

    if (text === '') {
      return null;
    }

    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new UnexpectedResponseError(target.href, response.status, 'the body is not JSON');
    }
  };

  const fail = async (target: URL, response: Response): Promise<never> => {
    const body = await readBody(target, response);

    throw isErrorBody(body) ? new ApiError(response.status, body) : new UnexpectedResponseError(target.href, response.status, 'an error without `{code, message}`');
  };

  return {
    request: async <T>({body, method, path, query}: ApiRequest): Promise<T> => {
      const target = toUrl(url, path, query);
      const signal = AbortSignal.timeout(timeout);
      const response = await send(target, {
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: headers(body === undefined ? {accept: 'application/json'} : {accept: 'application/json', 'content-type': 'application/json'}),
        method,
        signal,
      });

      if (!response.ok) {
        return await fail(target, response);
      }

      try {
        return await readBody(target, response) as T;
      } catch (error) {
        if (signal.aborted) {
          throw new ServerUnreachableError(url, error);
        }

        throw error;
      }
    },
    stream: async (path, onEvent, signal) => {
      const target = toUrl(url, path);
      const response = await send(target, {headers: headers({accept: 'text/event-stream'}), method: 'GET', signal});

      if (!response.ok) {
        return await fail(target, response);
      }

      if (response.body === null || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        throw new UnexpectedResponseError(target.href, response.status, 'not a text/event-stream');
      }

      const parser = createParser({onEvent});
      const decoder = new TextDecoder();

      try {
        for await (const chunk of response.body) {
          parser.feed(decoder.decode(chunk, {stream: true}));
        }
      } catch (error) {
        if (signal?.aborted) {
          return;
        }

        throw new ServerUnreachableError(url, error);
      }
    },
  };
};
