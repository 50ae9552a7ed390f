import {connect, createServer, type Socket} from 'node:net';

export type ClaimCut = {
  readonly cutAt: number;
  /** How many rows the claim whose reply was dropped had claimed (its CommandComplete tag). */
  readonly rows: number;
};

export type ClaimCutProxy = {
  /** From now on, the first claim that takes at least one row has its reply dropped and its connection reset. */
  readonly arm: () => void;
  readonly close: () => Promise<void>;
  /** The cut, once it happened. */
  readonly getCut: () => ClaimCut | null;
  readonly port: number;
};

/** ReadyForQuery ('Z', length 5, status): the server ends each reply with it, after the COMMIT of an implicit transaction. */
const endsWithReadyForQuery = (reply: Buffer): boolean => {
  return reply.length >= 6 && reply[reply.length - 6] === 0x5A && reply.readInt32BE(reply.length - 5) === 5;
};

/** The row count in the reply's last CommandComplete tag (`SELECT 3`, `INSERT 0 3`), 0 when there is none. */
const readRowCount = (reply: Buffer): number => {
  const tags = [...reply.toString('latin1').matchAll(/(?:SELECT|INSERT 0|UPDATE) (\d+)\0/g)];

  return Number(tags.at(-1)?.[1] ?? 0);
};

/**
 * A loopback TCP proxy to PostgreSQL (after test/helpers/createTcpProxy.ts) that cuts a connection
 * right after a claim COMMITTED: it recognizes the claim by `marker` (a comment in its text) or, once
 * the statement is prepared, by the prepared statement's name (`planton_` + hash, learned from the
 * Parse message that carried the text), holds the server's reply to it, and when the reply is
 * complete (ReadyForQuery: the claim's one statement has committed) and claimed rows, drops it and
 * resets both sockets. The program never learns which executions it recorded.
 */
export const createClaimCutProxy = async ({marker, target}: {readonly marker: string; readonly target: {readonly host: string; readonly port: number}}): Promise<ClaimCutProxy> => {
  const sockets = new Set<Socket>();
  const names = new Set<string>();
  let armed = false;
  let cut: ClaimCut | null = null;

  const isClaim = (text: string): boolean => {
    const index = text.indexOf(marker);

    if (index !== -1) {
      const name = text.slice(0, index).match(/planton_[\da-f]{32}/g)?.at(-1);

      if (name !== undefined) {
        names.add(name);
      }

      return true;
    }

    return [...names].some((name) => text.includes(name));
  };

  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    let holding = false;
    let held: Buffer[] = [];

    sockets.add(client);
    sockets.add(upstream);

    const destroy = () => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };

    for (const socket of [client, upstream]) {
      socket.on('error', destroy);
      socket.on('close', destroy);
    }

    client.on('data', (chunk: Buffer) => {
      if (isClaim(chunk.toString('latin1')) && armed && cut === null) {
        holding = true;
      }

      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!holding) {
        client.write(chunk);

        return;
      }

      held.push(chunk);

      const reply = Buffer.concat(held);

      if (!endsWithReadyForQuery(reply)) {
        return;
      }

      held = [];
      holding = false;

      const rows = readRowCount(reply);

      if (rows > 0 && cut === null) {
        cut = {cutAt: Date.now(), rows};
        client.resetAndDestroy();
        upstream.destroy();

        return;
      }

      client.write(reply);
    });
  });

  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });

  const address = server.address();

  if (address === null || typeof address === 'string') {
    throw new Error('The proxy has no port.');
  }

  return {
    arm: () => {
      armed = true;
    },
    close: async () => {
      for (const socket of sockets) {
        socket.destroy();
      }

      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
    getCut: () => cut,
    port: address.port,
  };
};
