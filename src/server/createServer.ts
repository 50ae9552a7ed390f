import type {AddressInfo} from 'node:net';
import type {Scheduler} from '../scheduler/createScheduler.ts';
import {createPlantonApp} from './createPlantonApp.ts';
import type {WorkerHub} from './createWorkerHub.ts';
import {InsecureHostError, InvalidServerConfigurationError} from './errors.ts';
import {isLoopbackHost} from './isLoopbackHost.ts';
import {assertPositiveIntegers, type PlantonPluginConfiguration} from './pluginConfiguration.ts';
import {toServerUrl} from './toServerUrl.ts';

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

/** `createPlantonPlugin`'s options, and what only a server of its own has: its connections and its log. */
export type ServerConfiguration = PlantonPluginConfiguration & {
  /**
   * Milliseconds `close()` waits for requests in flight before it cuts their connections.
   * @default 5000
   */
  readonly closeTimeout?: number;
  /**
   * Lets `listen` use any host without tokens: anyone who reaches the server may change tasks and jobs.
   * @default false
   */
  readonly insecure?: boolean;
  /**
   * Fastify's request log (pino), with `Authorization` headers redacted. Planton's own log lines
   * (failed requests) go to roarr as everywhere else.
   * @default false (no request log)
   */
  readonly logger?: false | ServerLoggerConfiguration;
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

/**
 * The HTTP server over a scheduler (Fastify 5): `createPlantonPlugin` (the `/v1` API, `/health`,
 * `/ready`, `/metrics`, `/openapi.json`, the dashboard and the hub of remote workers) at the root of
 * a Fastify instance of its own, with `listen` and a bounded `close`.
 */
export const createServer = (configuration: ServerConfiguration): Server => {
  const {closeTimeout = 5000, insecure = false} = configuration;

  assertPositiveIntegers([['closeTimeout', closeTimeout]]);

  const {app, planton} = createPlantonApp(configuration);
  const hasTokens = (configuration.auth?.tokens.length ?? 0) > 0;
  let closing: Promise<void> | null = null;

  return {
    close: () => {
      closing ??= (async () => {
        // Requests still in flight after `closeTimeout` are cut; the plugin's `preClose` ends its log
        // streams and closes the hub first, its `onClose` the webhook deliveries.
        const timer = setTimeout(() => {
          app.server.closeAllConnections();
        }, closeTimeout);

        timer.unref();

        try {
          await app.close();
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

      if (!hasTokens && !insecure && !isLoopbackHost(host)) {
        throw new InsecureHostError(host);
      }

      await app.listen({host, port});

      const address = app.server.address() as AddressInfo;

      return {port: address.port, url: toServerUrl(address)};
    },
    onComplete: (taskName, listener) => configuration.scheduler.onComplete(taskName, listener),
    openapi: async () => {
      await app.ready();

      return await planton.openapi();
    },
    workerHub: planton.workerHub,
  };
};
