import type {IncomingMessage, ServerResponse} from 'node:http';
import {createServer as createHttpServer} from 'node:http';
import type {Duplex} from 'node:stream';
import {createPlantonApp} from './createPlantonApp.ts';
import type {ServerConfiguration} from './createServer.ts';
import type {WorkerHub} from './createWorkerHub.ts';

export type PlantonHandlerConfiguration = Omit<ServerConfiguration, 'closeTimeout' | 'insecure'> & {
  /**
   * The path the handler's requests arrive under (`/planton`): Planton's routes are there, and the
   * dashboard at `/planton/`. Give it the requests whose path starts with it, unchanged.
   * @default '' (the root)
   */
  readonly prefix?: string;
};

/** A Node.js request listener (`http.createServer(handler)`, or called from one) serving Planton. */
export type PlantonHandler = ((request: IncomingMessage, response: ServerResponse) => void) & {
  /** Closes what Planton holds (the hub, log streams, webhook deliveries); the HTTP server is the caller's to close. Safe to call twice. */
  readonly close: () => Promise<void>;
  /** The server's `'upgrade'` listener for `/v1/workers` (remote workers); without it, they cannot connect. */
  readonly upgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** The hub that runs the remote workers connected to `/v1/workers`. */
  readonly workerHub: WorkerHub;
};

/**
 * Planton for a server that is not Fastify (`node:http`, Express, Koa, …): a request listener backed
 * by a Fastify instance of its own, which never listens. Fastify's `serverFactory` hands it the
 * function that runs a request through its hooks and routes (the supported way to drive Fastify
 * from another server); requests that arrive before it is ready wait for it.
 */
export const createPlantonHandler = ({prefix = '', ...configuration}: PlantonHandlerConfiguration): PlantonHandler => {
  let route: ((request: IncomingMessage, response: ServerResponse) => void) | null = null;
  const {app, planton} = createPlantonApp(configuration, {
    prefix,
    serverFactory: (handler) => {
      route = handler;

      return createHttpServer(handler);
    },
  });
  const ready = app.ready();
  let closing: Promise<void> | null = null;

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    ready.then(() => {
      route?.(request, response);
    }, (error: unknown) => {
      response.destroy(error as Error);
    });
  };

  return Object.assign(handle, {
    close: async () => {
      closing ??= (async () => {
        await ready.catch(() => undefined);
        await app.close();
      })();

      await closing;
    },
    upgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      ready.then(() => {
        // `@fastify/websocket` listens for upgrades on the server of the Fastify instance.
        app.server.emit('upgrade', request, socket, head);
      }, () => {
        socket.destroy();
      });
    },
    workerHub: planton.workerHub,
  });
};
