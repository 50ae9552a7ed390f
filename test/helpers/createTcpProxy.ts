import {createServer, connect, type Socket} from 'node:net';

export type TcpProxy = {
  /** Stops the proxy for good. */
  readonly close: () => Promise<void>;
  readonly port: number;
  /**
   * `false`: resets every open connection and refuses new ones (the network to the broker fails);
   * `true`: forwards again. Connections are reset (RST), not closed (FIN): nats 2.29's Node
   * transport can throw an uncaught ERR_STREAM_WRITE_AFTER_END when it writes after a FIN.
   */
  readonly setAvailable: (available: boolean) => void;
};

/** A loopback TCP proxy to `target`, so a test can take the broker away from one client and bring it back. */
export const createTcpProxy = async (target: {readonly host: string; readonly port: number}): Promise<TcpProxy> => {
  const sockets = new Set<Socket>();
  let available = true;

  const reset = (socket: Socket) => {
    if (socket.destroyed) {
      return;
    }

    try {
      socket.resetAndDestroy();
    } catch {
      // Not connected yet: there is nothing to reset.
      socket.destroy();
    }
  };

  const server = createServer((client) => {
    if (!available) {
      reset(client);

      return;
    }

    const upstream = connect(target.port, target.host);

    sockets.add(client);
    sockets.add(upstream);

    for (const socket of [client, upstream]) {
      socket.on('error', () => {
        reset(client);
        upstream.destroy();
      });
      socket.on('close', () => {
        sockets.delete(socket);
        reset(client);
        upstream.destroy();
      });
    }

    client.pipe(upstream);
    upstream.pipe(client);
  });

  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });

  const address = server.address();

  if (address === null || typeof address === 'string') {
    throw new Error('The proxy has no port.');
  }

  return {
    close: async () => {
      available = false;

      for (const socket of sockets) {
        reset(socket);
      }

      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
    port: address.port,
    setAvailable: (value) => {
      available = value;

      if (!value) {
        for (const socket of sockets) {
          reset(socket);
        }
      }
    },
  };
};
