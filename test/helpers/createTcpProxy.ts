import {createServer, connect, type Socket} from 'node:net';
import {Transform} from 'node:stream';

export type TcpProxy = {
  /** Stops the proxy for good. */
  readonly close: () => Promise<void>;
  /**
   * Arms a one-time cut of a reply: the next request whose bytes hold `marker` reaches the server,
   * and as soon as the server starts answering it, both sockets of that connection are reset and
   * the answer dropped (a reply lost after the server acted on the request). Resolves at the cut.
   */
  readonly cutReplyTo: (marker: string) => Promise<void>;
  /** How many connections the proxy refused (reset at once) while unavailable: the client's attempts to reach the broker. */
  readonly getRefusedCount: () => number;
  readonly port: number;
  /**
   * `false`: resets every open connection and refuses new ones (the network to the broker fails);
   * `true`: forwards again. Connections are reset (RST), not closed (FIN): nats 2.29's Node
   * transport can throw an uncaught ERR_STREAM_WRITE_AFTER_END when it writes after a FIN.
   */
  readonly setAvailable: (available: boolean) => void;
  /**
   * `true`: stops forwarding bytes in both directions without closing a socket (the network
   * black-holes: new connections are accepted, peers wait and nothing fails); `false`: delivers the
   * bytes held meanwhile, in order, and forwards again (a partition that heals, as TCP would after
   * retransmitting). Off by default.
   */
  readonly setBlackHole: (blackHole: boolean) => void;
};

/** `toClient` carries the server's bytes to the client: what a cut reply stops. */
type Pair = {readonly client: Socket; readonly toClient: Transform; readonly upstream: Socket};

/** A loopback TCP proxy to `target`, so a test can take the broker away from one client and bring it back. */
export const createTcpProxy = async (target: {readonly host: string; readonly port: number}): Promise<TcpProxy> => {
  const sockets = new Set<Socket>();
  const pairs = new Set<Pair>();
  let available = true;
  let blackHole = false;
  let refusedCount = 0;
  /** The armed cut: its marker, the connection that sent it (once sent), and who waits for the cut. */
  let cut: {readonly marker: Buffer; pair: Pair | null; readonly resolve: () => void} | null = null;

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

  // Unread bytes stay in the sockets' buffers (and the kernel's) while a pair is held.
  const hold = ({client, toClient, upstream}: Pair) => {
    client.unpipe(upstream);
    upstream.unpipe(toClient);
    client.pause();
    upstream.pause();
  };

  const forward = ({client, toClient, upstream}: Pair) => {
    client.pipe(upstream);
    upstream.pipe(toClient);
  };

  const server = createServer((client) => {
    if (!available) {
      refusedCount++;
      reset(client);

      return;
    }

    const upstream = connect(target.port, target.host);
    const toClient = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        if (cut !== null && cut.pair === pair) {
          const {resolve} = cut;

          cut = null;
          reset(client);
          reset(upstream);
          resolve();
          callback();

          return;
        }

        callback(null, chunk);
      },
    });
    const pair: Pair = {client, toClient, upstream};

    toClient.pipe(client);
    client.on('data', (chunk: Buffer) => {
      if (cut !== null && cut.pair === null && chunk.includes(cut.marker)) {
        cut.pair = pair;
      }
    });

    sockets.add(client);
    sockets.add(upstream);
    pairs.add(pair);

    for (const socket of [client, upstream]) {
      socket.on('error', () => {
        reset(client);
        upstream.destroy();
      });
      socket.on('close', () => {
        sockets.delete(socket);
        pairs.delete(pair);
        toClient.destroy();
        reset(client);
        upstream.destroy();
      });
    }

    if (blackHole) {
      hold(pair);
    } else {
      forward(pair);
    }
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
    cutReplyTo: async (marker) => {
      await new Promise<void>((resolve) => {
        cut = {marker: Buffer.from(marker), pair: null, resolve};
      });
    },
    getRefusedCount: () => refusedCount,
    port: address.port,
    setAvailable: (value) => {
      available = value;

      if (!value) {
        for (const socket of sockets) {
          reset(socket);
        }
      }
    },
    setBlackHole: (value) => {
      if (value === blackHole) {
        return;
      }

      blackHole = value;

      for (const pair of pairs) {
        if (value) {
          hold(pair);
        } else {
          forward(pair);
        }
      }
    },
  };
};
