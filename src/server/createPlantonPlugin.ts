import {AjvCompiler} from '@fastify/ajv-compiler';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import type {TypeBoxTypeProvider} from '@fastify/type-provider-typebox';
import fastifyWebsocket from '@fastify/websocket';
import type {FastifyInstance, FastifyRequest} from 'fastify';
import {serializeError} from 'serialize-error';
import {createSystemClock} from '../planton/createSystemClock.ts';
import {Logger} from '../planton/Logger.ts';
import {createAuth, type Principal} from './createAuth.ts';
import {createDashboardSessions} from './createDashboardSessions.ts';
import {createMetrics} from './createMetrics.ts';
import {createDispatchSummaryReader} from './createDispatchSummaryReader.ts';
import {createWebhookNotifier} from './createWebhookNotifier.ts';
import {createWorkerHub, type WorkerHub} from './createWorkerHub.ts';
import {PluginAlreadyRegisteredError, RateLimitedError, RouteNotFoundError, ServerClosingError} from './errors.ts';
import {findDashboardAssets} from './findDashboardAssets.ts';
import {assertPluginConfiguration, type PlantonPluginConfiguration} from './pluginConfiguration.ts';
import {registerApiRoutes} from './routes/registerApiRoutes.ts';
import {registerDashboardRoutes} from './routes/registerDashboardRoutes.ts';
import {registerProbeRoutes} from './routes/registerProbeRoutes.ts';
import {ERROR_RESPONSES} from './schemas/errorSchema.ts';
import {toHttpError} from './toHttpError.ts';
import {toServerUrl} from './toServerUrl.ts';
import type {ServerApp} from './types.ts';

const log = Logger.child({
  namespace: 'createPlantonPlugin',
});

/** A Fastify plugin (register it with `{prefix}`) that also holds what it serves. */
export type PlantonPlugin = ((instance: FastifyInstance) => Promise<void>) & {
  /** The OpenAPI 3.1 document of the routes, as `/openapi.json` under the plugin's prefix serves it; the app must be ready. */
  readonly openapi: () => Promise<Readonly<Record<string, unknown>>>;
  /** The hub that runs the remote workers connected to `/v1/workers` (its `events`, `listWorkers()`). */
  readonly workerHub: WorkerHub;
};

// Strict bodies: no type coercion, no silently dropped properties (ids in paths are strings with a
// pattern), whatever the Ajv options of the app Planton is mounted in.
const buildValidator = AjvCompiler()({}, {customOptions: {coerceTypes: false, removeAdditional: false}});

/**
 * Planton's HTTP side as a Fastify plugin: the `/v1` API, `/health`, `/ready`, `/metrics`,
 * `/openapi.json`, the dashboard's page and sessions, and the hub of remote workers, all under the
 * prefix it is registered with (`await app.register(createPlantonPlugin({scheduler}), {prefix:
 * '/planton'})`). Encapsulated (no `fastify-plugin`): its error handler, hooks, auth, validator and
 * content-type parsers apply to its own routes only. The app's `close()` closes what it holds
 * (the hub, open log streams, webhook deliveries). `createServer` is this plugin at `/` of a Fastify
 * instance of its own.
 */
export const createPlantonPlugin = (configuration: PlantonPluginConfiguration): PlantonPlugin => {
  assertPluginConfiguration(configuration);

  const {
    auth: authConfiguration = {tokens: []},
    bodyLimit = 1_048_576,
    clock = createSystemClock(),
    dashboard = {},
    defaultMetrics = true,
    dispatchStores = [],
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
  const readinessCheck = configuration.readinessCheck ?? (async () => await scheduler.getJob(0));
  const dispatchSummaries = createDispatchSummaryReader({clock, entries: dispatchStores});
  const auth = createAuth(authConfiguration);
  const hub = createWorkerHub({...workerHubOptions, clock, scheduler});
  const metrics = createMetrics({defaultMetrics, hub, scheduler});
  // The context Planton is registered in, once it is.
  let registered: ServerApp | null = null;

  const getBaseUrl = (): string | null => {
    const address = registered?.server.address();

    return publicUrl?.replace(/\/+$/u, '') ?? (typeof address === 'object' && address !== null ? `${toServerUrl(address)}${registered?.prefix ?? ''}` : null);
  };

  const notifier = createWebhookNotifier({...webhookOptions, clock, events: scheduler.events, getBaseUrl, webhooks});

  const plugin = async (instance: FastifyInstance): Promise<void> => {
    if (registered !== null) {
      throw new PluginAlreadyRegisteredError();
    }

    const app = instance.withTypeProvider<TypeBoxTypeProvider>() as unknown as ServerApp;

    registered = app;

    // The session cookie goes to the prefix only (`Path=/planton`), `/` when served at the root.
    const sessions = createDashboardSessions({auth, clock, duration: dashboard === false ? 43_200_000 : dashboard.sessionDuration ?? 43_200_000, path: app.prefix === '' ? '/' : app.prefix});
    const principals = new WeakMap<FastifyRequest, Principal>();
    // Why `auth.authenticate` refused a request, thrown once the rate limit has counted it.
    const refusals = new WeakMap<FastifyRequest, unknown>();
    const ending: Array<() => void> = [];
    let closing = false;

    app.setValidatorCompiler(buildValidator);
    app.addHook('onRoute', (route) => {
      route.bodyLimit ??= bodyLimit;
    });
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

    app.addHook('onRequest', async (_request, reply) => {
      if (closing) {
        void reply.header('connection', 'close');
        throw new ServerClosingError();
      }
    });

    app.addHook('onResponse', async (request, reply) => {
      metrics.observeRequest({method: request.method, route: request.routeOptions.url ?? 'unmatched', seconds: reply.elapsedTime / 1000, statusCode: reply.statusCode});
    });

    // Before the server stops: open log streams would hold their connections; the hub (bounded: it
    // terminates sockets after 1 s) fails its workers' jobs with `WORKER_HUB_CLOSED` and its
    // processors leave the scheduler, which its owner terminates after.
    app.addHook('preClose', async () => {
      closing = true;
      metrics.close();

      for (const end of ending) {
        end();
      }

      await hub.close();
    });
    app.addHook('onClose', async () => {
      await notifier.close();
    });

    // One `@fastify/websocket` per server: the app's, when it has one. Frames as large as bodies; the hub validates each message.
    if (!app.hasDecorator('websocketServer')) {
      await app.register(fastifyWebsocket, {options: {maxPayload: bodyLimit}});
    }

    // The app's own `@fastify/swagger`, when it has one, documents Planton's routes with its own.
    if (!app.hasDecorator('swagger')) {
      await app.register(fastifySwagger, {
        openapi: {
          components: {securitySchemes: {bearer: {scheme: 'bearer', type: 'http'}}},
          info: {description: 'The HTTP API of a Planton server: tasks on a schedule and their jobs.', title: 'Planton', version: '1'},
          openapi: '3.1.0',
          security: [{bearer: []}],
        },
      });
    }

    // Routes are registered in plugins, which load after @fastify/swagger: it sees routes added once it has loaded.
    await app.register(async (open) => {
      open.get('/openapi.json', {schema: {hide: true}}, async () => app.swagger());
      registerProbeRoutes(open, {readinessCheck, readinessTimeout});
      registerDashboardRoutes(open, {assetsDirectory: dashboard === false ? null : dashboard.assetsDirectory ?? findDashboardAssets(), auth, rateLimit, serve: dashboard !== false, sessions});
    });

    // Everything below needs a token (when tokens are configured) and counts against the rate limit,
    // refused requests included: a brute force of tokens is limited like any other client.
    await app.register(async (guarded) => {
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
        registerApiRoutes(v1, {
          clock,
          dispatchSummaries,
          getTokenName: (request) => principals.get(request)?.name ?? 'anonymous',
          hub,
          logStreamInterval,
          notifier,
          overviewStream: {interval: overviewStreamInterval, maxSubscribers: overviewStreamMaxSubscribers},
          onClosing: (end) => {
            ending.push(end);
          },
          scheduler,
        });
      }, {prefix: '/v1'});
    });
  };

  return Object.assign(plugin, {
    openapi: async () => {
      if (registered === null) {
        throw new RouteNotFoundError('GET', '/openapi.json');
      }

      return registered.swagger() as unknown as Record<string, unknown>;
    },
    workerHub: hub,
  });
};
