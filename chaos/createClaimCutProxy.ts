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

/**
 * The transaction status of the ReadyForQuery ('Z', length 5, status) that ends a complete reply:
 * 'I' idle (an implicit transaction committed), 'T' in a transaction, 'E' in a failed one; null
 * while the reply is incomplete.
 */
const readReadyStatus = (reply: Buffer): 'E' | 'I' | 'T' | null => {
  if (reply.length < 6 || reply[reply.length - 6] !== 0x5A || reply.readInt32BE(reply.length - 5) !== 5) {
    return null;
  }

  return String.fromCharCode(reply[reply.length - 1]!) as 'E' | 'I' | 'T';
};

/** The row count in the reply's last claim-shaped CommandComplete tag (`SELECT 3`, `INSERT 0 3`), 0 when there is none. */
const readRowCount = (reply: Buffer): number => {
  const tags = [...reply.toString('latin1').matchAll(/(?:SELECT|INSERT 0) (\d+)\0/g)];

  return Number(tags.at(-1)?.[1] ?? 0);
};

/**
 * A loopback TCP proxy to PostgreSQL (after test/helpers/createTcpProxy.ts) that cuts a connection
 * right after a claim COMMITTED: it recognizes the claim by `marker` (a comment in its text) or, once
 * the statement is prepared, by the prepared statement's name (`planton_` + hash, learned from the
 * Parse message that carried the text), and holds the server's replies from then on. When the claim
 * took rows, the first reply that ends a transaction (ReadyForQuery with status idle: the claim's one
 * self-committing statement, or the COMMIT after it) is dropped and both sockets are reset. The
 * program never learns which executions it recorded.
 */
export const createClaimCutProxy = async ({marker, target}: {readonly marker: string; readonly target: {readonly host: string; readonly port: number}}): Promise<ClaimCutProxy> => {
  const sockets = new Set<Socket>();
  const names = new Set<string>();
  let armed = false;
  let cut: ClaimCut | null = null;

  const isClaim = (text: string): boolean => {
    if (text.includes(marker)) {
      // The name of the Parse message ('P', length, name, text) whose text carries the marker.
      for (const [, name, query] of text.matchAll(/P[\s\S]{4}(planton_[\da-f]{32})\0([^\0]*)\0/g)) {
        if (name !== undefined && query?.includes(marker)) {
          names.add(name);
        }
      }

      return true;
    }

    return [...names].some((name) => text.includes(`${name}\0`));
  };

  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    // 'claim': the claim was sent, its reply is held; 'commit': the claim ran inside a transaction
    // and claimed `rows`, the replies are held until one ends the transaction.
    let state: {readonly rows: number; readonly step: 'claim' | 'commit'} | null = null;
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
      if (isClaim(chunk.toString('latin1')) && armed && cut === null && state === null) {
        state = {rows: 0, step: 'claim'};
      }

      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (state === null) {
        client.write(chunk);

        return;
      }

      held.push(chunk);

      const reply = Buffer.concat(held);
      const status = readReadyStatus(reply);

      if (status === null) {
        return;
      }

      held = [];

      const rows = state.step === 'claim' ? readRowCount(reply) : state.rows;

      const committed = status === 'I' && (state.step === 'claim' || reply.toString('latin1').includes('COMMIT\0'));

      if (rows > 0 && committed && cut === null) {
        // Committed: the claim's one statement, or the COMMIT of its transaction.
        state = null;
        cut = {cutAt: Date.now(), rows};
        client.resetAndDestroy();
        upstream.destroy();

        return;
      }

      state = rows > 0 && status === 'T' ? {rows, step: 'commit'} : null;
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
