import type {FastifyRequest} from 'fastify';
import type {WorkerHub} from '../createWorkerHub.ts';
import {WORKER_ROUTE_SCHEMAS} from '../schemas/workerSchemas.ts';
import {toWorkerBody} from '../toWorkerBody.ts';
import type {ServerApp} from '../types.ts';

export type WorkerRoutesConfiguration = {
  /** The name of the token that authenticated a request (the hub keys workers' sessions by it). */
  readonly getTokenName: (request: FastifyRequest) => string;
  readonly hub: WorkerHub;
};

const tags = ['workers'];

/**
 * `/v1/workers`: a GET lists the connected remote workers; a WebSocket upgrade of the same URL (a
 * `worker` or `admin` token) connects one, and the hub runs the protocol on the socket.
 */
export const registerWorkerRoutes = (app: ServerApp, {getTokenName, hub}: WorkerRoutesConfiguration): void => {
  app.route({
    handler: async () => {
      return {workers: hub.listWorkers().map(toWorkerBody)};
    },
    method: 'GET',
    schema: {...WORKER_ROUTE_SCHEMAS.list, description: 'A WebSocket upgrade of this URL with a `worker` (or `admin`) token connects a remote worker instead (see docs/protocol.md).', summary: 'List the connected remote workers: their tasks, load and last message', tags},
    url: '/workers',
    wsHandler: (socket, request) => {
      hub.handleConnection(socket, {tokenName: getTokenName(request)});
    },
  });
};
