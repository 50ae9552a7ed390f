import type {AddressInfo} from 'node:net';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import type {TypeBoxTypeProvider} from '@fastify/type-provider-typebox';
import Fastify, {type FastifyRequest} from 'fastify';
import {serializeError} from 'serialize-error';
import {createSystemClock} from '../planton/createSystemClock.ts';
import {Logger} from '../planton/Logger.ts';
import type {Clock} from '../planton/types.ts';
import type {Scheduler} from '../scheduler/createScheduler.ts';
import {answerClientError} from './answerClientError.ts';
import {type AuthConfiguration, createAuth, type Principal} from './createAuth.ts';
import {createDashboardSessions} from './createDashboardSessions.ts';
import {createMetrics} from './createMetrics.ts';
import {createWorkerHub, type WorkerHub, type WorkerHubConfiguration} from './createWorkerHub.ts';
import {createWebhookNotifier, type WebhookConfiguration, type WebhookNotifierConfiguration} from './createWebhookNotifier.ts';
import {InsecureHostError, InvalidServerConfigurationError, RateLimitedError, RouteNotFoundError, ServerClosingError} from './errors.ts';
import {findDashboardAssets} from './findDashboardAssets.ts';
import {isLoopbackHost} from './isLoopbackHost.ts';
import {ERROR_RESPONSES} from './schemas/errorSchema.ts';
import {registerDashboardRoutes} from './routes/registerDashboardRoutes.ts';
import {registerJobRoutes} from './routes/registerJobRoutes.ts';
import {type LogStreams, registerLogStreamRoute} from './routes/registerLogStreamRoute.ts';
import {registerOverviewRoute} from './routes/registerOverviewRoute.ts';
import {type OverviewStreams, registerOverviewStreamRoute} from './routes/registerOverviewStreamRoute.ts';
import {registerProbeRoutes} from './routes/registerProbeRoutes.ts';
import {registerTaskRoutes} from './routes/registerTaskRoutes.ts';
import {registerWorkerRoutes} from './routes/registerWorkerRoutes.ts';
import {toHttpError} from './toHttpError.ts';
import type {ServerApp} from './types.ts';

const log = Logger.child({
  namespace: 'createServer',
});

/** The port `listen` uses when given none (forerunner's). */
export const DEFAULT_PORT = 2718;

/** Where Fastify's request log goes (pino), `Authorization` redacted. */
export type ServerLoggerConfiguration = {
  /**
   * @default 'info'
   */
  readonly level?: 'debug' | 'error' | 'fatal' | 'info' | 'trace' | 'warn';
  /**
   * Receives one JSON line per entry.
   * @default process.stdout
   */
  readonly stream?: {readonly write: (line: string) => unknown};
};

export type ServerConfiguration = {
  /**
   * The bearer tokens the server accepts (see `readTokens` for the environment and file format).
   * Without any, every request is allowed, and `listen` refuses hosts other than loopback unless `insecure`.
   * @default {tokens: []}
   */
  readonly auth?: AuthConfiguration;
  /**
   * Largest request body in bytes; a larger one gets 413 `PAYLOAD_TOO_LARGE`.
   * @default 1048576 (1 MiB)
   */
  readonly bodyLimit?: number;
  /**
   * Where `DELETE /v1/jobs?olderThan=30d` counts back from and webhook retries wait; give the scheduler's.
   * @default the system clock
   */
  readonly clock?: Clock;
  /**
   * Milliseconds `close()` waits for requests in flight before it cuts their connections.
   * @default 5000
   */
  readonly closeTimeout?: number;
  /**
   * The web dashboard at `/` (docs/dashboard.md): `assetsDirectory`, where its built files are (by
   * default `dist/dashboard` of this package, made by `npm run build`), and `sessionDuration`, the
   * milliseconds a sign-in lasts. `false` serves no page (`/dashboard/session` and `/v1/overview` stay).
   * @default {assetsDirectory: dist/dashboard, sessionDuration: 43200000 (12 h)}
   */
  readonly dashboard?: false | {readonly assetsDirectory?: string; readonly sessionDuration?: number};
  /**
   * Adds prom-client's process metrics (CPU, memory, event-loop lag) to `/metrics`.
   * @default true
   */
  readonly defaultMetrics?: boolean;
  /**
   * Lets `listen` use any host without tokens: anyone who reaches the server may change tasks and jobs.
   * @default false
   */
  readonly insecure?: boolean;
  /**
   * Milliseconds between two reads of a job and its log while `GET /v1/jobs/:id/logs/stream` follows it.
   * @default 1000
   */
  readonly logStreamInterval?: number;
  /**
   * Fastify's request log (pino), with `Authorization` headers redacted. Planton's own log lines
   * (failed requests) go to roarr as everywhere else.
   * @default false (no request log)
   */
  readonly logger?: false | ServerLoggerConfiguration;
  /**
   * Milliseconds between two reads of the overview while some `GET /v1/overview/stream` is open (one
   * read for all of them; a job of this process that ends, or a worker that comes, goes or is given a
   * job, wakes it sooner). Jobs run by other instances show within it.
   * @default 1000
   */
  readonly overviewStreamInterval?: number;
  /**
   * Most `GET /v1/overview/stream` connections open at once; one more gets 503 `TOO_MANY_SUBSCRIBERS`.
   * @default 1000
   */
  readonly overviewStreamMaxSubscribers?: number;
  /**
   * Requests per token and window on `/v1` and `/metrics`; more get 429 `RATE_LIMITED`. Requests
   * without a valid token (401 included), and every request when no token is configured, count per
   * client address. `false` turns the limit off.
   * @default {max: 1200, timeWindow: 60000}
   */
  readonly rateLimit?: false | {readonly max: number; readonly timeWindow: number};
  /**
   * What `/ready` awaits: it answers 503 `STORE_UNREACHABLE` when this rejects or outlasts `readinessTimeout`.
   * @default one read of the store, `scheduler.getJob(0)`
   */
  readonly readinessCheck?: () => Promise<unknown>;
  /**
   * Milliseconds `readinessCheck` may take.
   * @default 5000
   */
  readonly readinessTimeout?: number;
  /**
   * The API's base URL as receivers of webhooks reach it (`https://planton.example.com`), for the links in their bodies.
   * @default the URL `listen` resolved
   */
  readonly publicUrl?: string;
  /** The scheduler the API drives; the server does not terminate it. */
  readonly scheduler: Scheduler;
  /**
   * Failure notifications: each `{url, secret, events?, taskNames?}` gets a signed POST when a job of
   * this process fails an attempt, times out or fails for good (see docs/server.md#failure-notifications).
   * @default []
   */
  readonly webhooks?: readonly WebhookConfiguration[];
  /**
   * How webhooks are delivered: `{attempts, backoff, concurrency, maxPending, maxTrackedJobs, timeout}`.
   * @default {attempts: 5, backoff: {initialDelay: 1000, maxDelay: 60000}, concurrency: 4, maxPending: 1000, maxTrackedJobs: 10000, timeout: 10000}
   */
  readonly webhookOptions?: Omit<WebhookNotifierConfiguration, 'clock' | 'events' | 'getBaseUrl' | 'webhooks'>;
  /**
   * The hub of remote workers (WebSocket upgrades of `/v1/workers`): `{leaseDuration,
   * heartbeatInterval, registrationRetryInterval, rememberedAttempts}` (see `createWorkerHub`); it
   * uses the server's `clock` and `scheduler`.
   * @default {}
   */
  readonly workerHub?: Omit<WorkerHubConfiguration, 'clock' | 'scheduler'>;
};

export type ListenConfiguration = {
  /**
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * `0` picks a free port.
   * @default 2718
   */
  readonly port?: number;
};

export type Server = {
  /** Stops accepting connections, waits up to `closeTimeout` for requests in flight, then cuts them. Safe to call twice. */
  readonly close: () => Promise<void>;
  /** Resolves once the server listens; refuses (`INSECURE_HOST`) a host other than loopback without tokens unless `insecure`. */
  readonly listen: (configuration?: ListenConfiguration) => Promise<{readonly port: number; readonly url: string}>;
  /**
   * forerunner's `onComplete(taskName, (jobId, result) => …)`: the scheduler's `onComplete`. Called when
   * a job of the task ends DONE in this server, whether a remote worker or an in-process processor ran
   * it, with the result as stored with the job. A listener that throws or rejects becomes the
   * scheduler's `error` event (`COMPLETION_LISTENER_FAILED`). Returns a function that removes it.
   */
  readonly onComplete: Scheduler['onComplete'];
  /** The OpenAPI 3.1 document of the routes, as `/openapi.json` serves it. */
  readonly openapi: () => Promise<Readonly<Record<string, unknown>>>;
  /** The hub that runs the remote workers connected to `/v1/workers` (its `events`, `listWorkers()`). */
  readonly workerHub: WorkerHub;
};

const isPositiveInteger = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 1;

/**
 * The HTTP server over a scheduler (Fastify 5): the `/v1` API (tasks and jobs), `/health`,
 * `/ready`, `/metrics` (Prometheus) and `/openapi.json`. One JSON schema per request and response
 * body both validates (and serialises) and is published in the OpenAPI document. Bearer tokens with
 * roles guard `/v1` and `/metrics`; every error is a JSON body `{code, message, …}` (see `toHttpError`).
 */
export const createServer = (configuration: ServerConfiguration): Server => {
  const {
    auth: authConfiguration = {tokens: []},
    bodyLimit = 1_048_576,
    clock = createSystemClock(),
    closeTimeout = 5000,
    dashboard = {},
    defaultMetrics = true,
    insecure = false,
    logger = false,
    logStreamInterval = 1000,
    overviewStreamInterval = 1000,
    overviewStreamMaxSubscribers = 1000,
    publicUrl,
    rateLimit = {max: 1200, timeWindow: 60_000},
    readinessTimeout = 5000,
    scheduler,
    webhookOptions = {},
    webhooks = [],
    workerHub: workerHubOptions = {},
  } = configuration;

  if (typeof scheduler !== 'object' || scheduler === null || typeof scheduler.getJob !== 'function') {
    throw new InvalidServerConfigurationError('scheduler', 'a scheduler from `createScheduler`', scheduler);
  }

  for (const [option, value] of [['bodyLimit', bodyLimit], ['closeTimeout', closeTimeout], ['logStreamInterval', logStreamInterval], ['overviewStreamInterval', overviewStreamInterval], ['overviewStreamMaxSubscribers', overviewStreamMaxSubscribers], ['readinessTimeout', readinessTimeout]] as const) {
    if (!isPositiveInteger(value)) {
      throw new InvalidServerConfigurationError(option, 'an integer >= 1', value);
    }
  }

  if (rateLimit !== false && (!isPositiveInteger(rateLimit.max) || !isPositiveInteger(rateLimit.timeWindow))) {
    throw new InvalidServerConfigurationError('rateLimit', '`false` or `{max, timeWindow}`, integers >= 1', rateLimit);
  }

  const readinessCheck = configuration.readinessCheck ?? (async () => await scheduler.getJob(0));

  if (dashboard !== false && dashboard.sessionDuration !== undefined && !isPositiveInteger(dashboard.sessionDuration)) {
    throw new InvalidServerConfigurationError('dashboard.sessionDuration', 'an integer >= 1', dashboard.sessionDuration);
  }

  const auth = createAuth(authConfiguration);
  const sessions = createDashboardSessions({auth, clock, duration: dashboard === false ? 43_200_000 : dashboard.sessionDuration ?? 43_200_000});
  const hub = createWorkerHub({...workerHubOptions, clock, scheduler});
  const metrics = createMetrics({defaultMetrics, hub, scheduler});
  const principals = new WeakMap<FastifyRequest, Principal>();
  // Why `auth.authenticate` refused a request, thrown once the rate limit has counted it.
  const refusals = new WeakMap<FastifyRequest, unknown>();
  let listenUrl: string | null = null;
  const notifier = createWebhookNotifier({...webhookOptions, clock, events: scheduler.events, getBaseUrl: () => publicUrl?.replace(/\/+$/u, '') ?? listenUrl, webhooks});
  let logStreams: LogStreams | null = null;
  let overviewStreams: OverviewStreams | null = null;

  const app: ServerApp = Fastify({
    // Strict bodies: no type coercion, no silently dropped properties (ids in paths are strings with a pattern).
    ajv: {customOptions: {coerceTypes: false, removeAdditional: false}},
    bodyLimit,
    // Requests Node's parser refuses get `{code, message}` too.
    clientErrorHandler: answerClientError,
    // Node answers an HTTP/1.1 request without `Host` with a bare 400 of its own; the API serves no
    // virtual hosts, so such a request is served as HTTP/1.0 ones are (its errors `{code, message}`).
    http: {requireHostHeader: false},
    // Task names up to 1000 characters in paths (Fastify's default is 100).
    routerOptions: {maxParamLength: 1000},
    // Fastify's own 503 while closing is not `{code, message}`: the hook below answers instead.
    return503OnClosing: false,
    logger: logger === false ? false : {
      level: logger.level ?? 'info',
      redact: {censor: '[redacted]', paths: ['req.headers.authorization', 'request.headers.authorization', 'headers.authorization']},
      ...logger.stream === undefined ? {} : {stream: logger.stream},
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // JSON only: a text/plain body would otherwise reach validation as a string.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler(async (error, request, reply) => {
    const response = toHttpError(error);

    if (response.internal) {
      log.error({error: serializeError(error), method: request.method, route: request.routeOptions.url ?? null}, 'request failed');
      request.log.error({err: error}, 'request failed');
    }

    return await reply.code(response.statusCode).headers(response.headers).send(response.body);
  });

  app.setNotFoundHandler(async (request) => {
    throw new RouteNotFoundError(request.method, request.url.split('?')[0] ?? request.url);
  });

  let closing: Promise<void> | null = null;

  app.addHook('onRequest', async (_request, reply) => {
    if (closing !== null) {
      void reply.header('connection', 'close');
      throw new ServerClosingError();
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest({method: request.method, route: request.routeOptions.url ?? 'unmatched', seconds: reply.elapsedTime / 1000, statusCode: reply.statusCode});
  });

  // Frames as large as bodies; the hub validates each message.
  void app.register(fastifyWebsocket, {options: {maxPayload: bodyLimit}});

  void app.register(fastifySwagger, {
    openapi: {
      components: {securitySchemes: {bearer: {scheme: 'bearer', type: 'http'}}},
      info: {description: 'The HTTP API of a Planton server: tasks on a schedule and their jobs.', title: 'Planton', version: '1'},
      openapi: '3.1.0',
      security: [{bearer: []}],
    },
  });

  // Routes are registered in plugins, which load after @fastify/swagger: it sees routes added once it has loaded.
  void app.register(async (open) => {
    open.get('/openapi.json', {schema: {hide: true}}, async () => app.swagger());
    registerProbeRoutes(open, {readinessCheck, readinessTimeout});
    registerDashboardRoutes(open, {assetsDirectory: dashboard === false ? null : dashboard.assetsDirectory ?? findDashboardAssets(), auth, rateLimit, serve: dashboard !== false, sessions});
  });

  // Everything below needs a token (when tokens are configured) and counts against the rate limit,
  // refused requests included: a brute force of tokens is limited like any other client.
  void app.register(async (guarded) => {
    // Who sent the request, before the rate limit (a route hook, so it runs after this one) keys it;
    // a request without a valid token is refused only after it has been counted.
    guarded.addHook('onRequest', async (request) => {
      try {
        // A bearer header, else the dashboard's session cookie (whose changes need its CSRF token).
        principals.set(request, request.ws ? auth.authenticate(request.headers.authorization) : sessions.authenticateRequest(request));
      } catch (error) {
        refusals.set(request, error);
      }
    });

    guarded.addHook('preParsing', async (request) => {
      const principal = principals.get(request);

      if (principal === undefined) {
        throw refusals.get(request);
      }

      // A WebSocket upgrade (`request.ws`, of `/v1/workers`) is refused here with 401 or 403, before it is accepted.
      auth.authorize(principal, request.ws ? 'worker' : request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write');
    });

    if (rateLimit !== false) {
      await guarded.register(fastifyRateLimit, {
        errorResponseBuilder: (_request, context) => new RateLimitedError(context.max, context.ttl),
        hook: 'onRequest',
        // Per token, not per address (many clients may share one behind a proxy); per address without
        // a valid token, and when no token is configured, where every request is the same `anonymous`.
        keyGenerator: (request) => {
          const principal = principals.get(request);

          return principal === undefined || !auth.hasTokens ? `address:${request.ip}` : `token:${principal.key}`;
        },
        max: rateLimit.max,
        timeWindow: rateLimit.timeWindow,
      });
    }

    guarded.get('/metrics', {schema: {response: {...ERROR_RESPONSES, 200: {content: {'text/plain': {schema: {type: 'string'}}}, description: 'Prometheus text format'}}, summary: 'Prometheus metrics', tags: ['probes']}}, async (_request, reply) => {
      return await reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });

    await guarded.register(async (v1) => {
      registerTaskRoutes(v1, {scheduler});
      registerJobRoutes(v1, {clock, notifier, scheduler});
      registerWorkerRoutes(v1, {getTokenName: (request) => principals.get(request)?.name ?? 'anonymous', hub});
      registerOverviewRoute(v1, {hub, limit: 50, scheduler});
      logStreams = registerLogStreamRoute(v1, {pollInterval: logStreamInterval, scheduler});
      overviewStreams = registerOverviewStreamRoute(v1, {clock, hub, interval: overviewStreamInterval, limit: 50, maxSubscribers: overviewStreamMaxSubscribers, scheduler});
    }, {prefix: '/v1'});
  });

  return {
    close: () => {
      closing ??= (async () => {
        metrics.close();
        // Open log streams would hold their connections until `closeTimeout`: they end now.
        logStreams?.closeAll();
        overviewStreams?.closeAll();

        const timer = setTimeout(() => {
          app.server.closeAllConnections();
        }, closeTimeout);

        timer.unref();

        try {
          // The hub first (bounded: it terminates sockets after 1 s): its workers' jobs fail with
          // `WORKER_HUB_CLOSED` and its processors leave the scheduler, which the caller terminates after.
          await hub.close();
          await Promise.all([app.close(), notifier.close()]);
        } finally {
          clearTimeout(timer);
        }
      })();

      return closing;
    },
    listen: async ({host = '127.0.0.1', port = DEFAULT_PORT} = {}) => {
      if (typeof host !== 'string' || host === '') {
        throw new InvalidServerConfigurationError('host', 'a host name or IP address', host);
      }

      if (!Number.isSafeInteger(port) || port < 0 || port > 65_535) {
        throw new InvalidServerConfigurationError('port', 'an integer from 0 to 65535', port);
      }

      if (!auth.hasTokens && !insecure && !isLoopbackHost(host)) {
        throw new InsecureHostError(host);
      }

      await app.listen({host, port});

      const address = app.server.address() as AddressInfo;

      listenUrl = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

      return {port: address.port, url: listenUrl};
    },
    onComplete: (taskName, listener) => scheduler.onComplete(taskName, listener),
    openapi: async () => {
      await app.ready();

      return app.swagger() as unknown as Record<string, unknown>;
    },
    workerHub: hub,
  };
};
