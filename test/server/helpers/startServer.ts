import {createScheduler, type Scheduler, type SchedulerStore} from '../../../src/scheduler/index.ts';
import {createServer, type Server, type ServerConfiguration} from '../../../src/server/index.ts';
import {createManualClock, type ManualClock} from '../../helpers/createManualClock.ts';
import {createOpenApiValidator} from './createOpenApiValidator.ts';

export type ApiResponse = {
  /** Parsed JSON, or the text of a body that is not JSON (`/metrics`), `null` without a body. */
  readonly body: any;
  readonly headers: Headers;
  readonly status: number;
};

export type RequestOptions = {
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Values for the `{name}` placeholders of the path. */
  readonly params?: Readonly<Record<string, number | string>>;
  /** The query string's parameters (each a string, as a client sends them). */
  readonly query?: Readonly<Record<string, string>>;
  /** Sent as is (a string), instead of `body` as JSON. */
  readonly rawBody?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
};

export type Api = {
  /**
   * Sends a request to `path`, a path template of the OpenAPI document (`/v1/jobs/{id}`), and throws
   * when the response does not conform to the schema the document publishes for it.
   */
  readonly request: (method: string, path: string, options?: RequestOptions) => Promise<ApiResponse>;
  readonly url: string;
};

export type ServerHarness = {
  readonly api: Api;
  readonly clock: ManualClock;
  readonly scheduler: Scheduler;
  readonly server: Server;
};

/** The manual clock's start: the tests' dates are on 2026-01-01 (UTC). */
export const START = Date.parse('2026-01-01T00:00:00.000Z');

/**
 * A scheduler on `store` and a manual clock, and a server over it listening on an ephemeral port of
 * 127.0.0.1; both are stopped at the test's teardown. The API's responses are checked against the
 * server's own `/openapi.json`.
 */
export const startServer = async (
  t: {readonly teardown: (callback: () => Promise<void> | void) => void},
  store: SchedulerStore,
  configuration: Omit<ServerConfiguration, 'scheduler'> = {},
): Promise<ServerHarness> => {
  const clock = createManualClock(START);
  const scheduler = await createScheduler({clock, store, syncInterval: 0, terminateTimeout: 0});
  const server = createServer({clock, ...configuration, scheduler});

  t.teardown(async () => {
    await server.close();
    await scheduler.terminate();
  });

  const {url} = await server.listen({host: '127.0.0.1', port: 0});
  const validator = createOpenApiValidator(await server.openapi());

  const request: Api['request'] = async (method, path, options = {}) => {
    const target = path.replaceAll(/\{(?<name>\w+)\}/gu, (_match, name: string) => encodeURIComponent(String(options.params?.[name])));
    const headers: Record<string, string> = {...options.headers};
    let body: string | undefined;

    if (options.rawBody !== undefined) {
      body = options.rawBody;
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }

    if (options.token !== undefined) {
      headers.authorization = `Bearer ${options.token}`;
    }

    const search = options.query === undefined ? '' : `?${new URLSearchParams(options.query).toString()}`;
    const response = await fetch(`${url}${target}${search}`, {body, headers, method});
    const text = await response.text();
    const parsed = text === '' ? null : response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) as unknown : text;
    const problem = validator.check({body: parsed, method, path, status: response.status});

    if (problem !== null) {
      throw new Error(`The response does not conform to the OpenAPI document: ${problem}\n${text}`);
    }

    return {body: parsed, headers: response.headers, status: response.status};
  };

  return {api: {request, url}, clock, scheduler, server};
};
