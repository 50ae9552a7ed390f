import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {WebSocketServer} from 'ws';
import type {WorkerHub} from '../../../src/server/createWorkerHub.ts';

export type HubServer = {
  /** Stops accepting, terminates the sockets still open, and closes the HTTP server. */
  readonly close: () => Promise<void>;
  readonly port: number;
  readonly url: string;
};

/** Bearer tokens the test server accepts, and the names it hands the hub. */
export const TOKENS: Readonly<Record<string, string>> = {'worker-secret': 'workers', 'other-secret': 'others'};

/**
 * A plain node:http server with a `ws` WebSocketServer on 127.0.0.1 (an ephemeral port), which
 * checks the bearer token at the upgrade (401 otherwise) and hands each socket to the hub, as the
 * Fastify server does. Frames are limited to 1 MiB.
 */
export const startHubServer = async (hub: WorkerHub): Promise<HubServer> => {
  const server = createServer((_request, response) => {
    response.statusCode = 404;
    response.end();
  });
  const sockets = new WebSocketServer({maxPayload: 1_048_576, noServer: true});

  server.on('upgrade', (request, socket, head) => {
    const token = /^Bearer (?<token>.+)$/u.exec(request.headers.authorization ?? '')?.groups?.token;
    const tokenName = token === undefined ? undefined : TOKENS[token];

    if (tokenName === undefined) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');

      return;
    }

    sockets.handleUpgrade(request, socket, head, (webSocket) => {
      hub.handleConnection(webSocket, {tokenName});
    });
  });

  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });

  const {port} = server.address() as AddressInfo;

  return {
    close: async () => {
      for (const client of sockets.clients) {
        client.terminate();
      }

      await new Promise<void>((resolve) => {
        sockets.close(() => {
          resolve();
        });
      });
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
    port,
    url: `ws://127.0.0.1:${port}/v1/workers`,
  };
};
