import Fastify, {type FastifyServerFactory} from 'fastify';
import {answerClientError} from './answerClientError.ts';
import {createPlantonPlugin, type PlantonPlugin} from './createPlantonPlugin.ts';
import type {ServerConfiguration} from './createServer.ts';

export type PlantonAppOptions = {
  /**
   * Where the plugin is registered (`/planton`).
   * @default '' (the root)
   */
  readonly prefix?: string;
  /** Fastify's `serverFactory`: the function that gets Fastify's request handler. */
  readonly serverFactory?: FastifyServerFactory;
};

/**
 * A Fastify instance of Planton's own with `createPlantonPlugin` registered (at the root, or at
 * `prefix`): what `createServer` listens with and `createPlantonHandler` hands requests to. The
 * options here are the server's, which a plugin cannot set: how Node's parser errors are answered,
 * the request log, the length of path parameters.
 */
export const createPlantonApp = (configuration: ServerConfiguration, {prefix = '', serverFactory}: PlantonAppOptions = {}): {readonly app: ReturnType<typeof Fastify>; readonly planton: PlantonPlugin} => {
  const {bodyLimit = 1_048_576, logger = false} = configuration;
  const planton = createPlantonPlugin(configuration);
  const app = Fastify({
    bodyLimit,
    // Requests Node's parser refuses get `{code, message}` too.
    clientErrorHandler: answerClientError,
    // Node answers an HTTP/1.1 request without `Host` with a bare 400 of its own; the API serves no
    // virtual hosts, so such a request is served as HTTP/1.0 ones are (its errors `{code, message}`).
    http: {requireHostHeader: false},
    logger: logger === false ? false : {
      level: logger.level ?? 'info',
      redact: {censor: '[redacted]', paths: ['req.headers.authorization', 'request.headers.authorization', 'headers.authorization']},
      ...logger.stream === undefined ? {} : {stream: logger.stream},
    },
    // Fastify's own 503 while closing is not `{code, message}`: the plugin's hook answers instead.
    return503OnClosing: false,
    // Task names up to 1000 characters in paths (Fastify's default is 100).
    routerOptions: {maxParamLength: 1000},
    ...serverFactory === undefined ? {} : {serverFactory},
  });

  void app.register(planton, {prefix});

  return {app, planton};
};
