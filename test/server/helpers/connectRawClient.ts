import {WebSocket} from 'ws';
import type {HubMessage} from '../../../src/server/protocol/messages.ts';

export type RawClient = {
  /** Resolves with the close code once the socket has closed. */
  readonly closed: Promise<number>;
  /** Says hello with these tasks and waits for the welcome. */
  readonly hello: (hello?: {readonly clientId?: string; readonly concurrency?: number; readonly jobs?: ReadonlyArray<{readonly attempt: number; readonly jobId: number}>; readonly name?: string; readonly tasks?: readonly string[]}) => Promise<Extract<HubMessage, {readonly type: 'welcome'}>>;
  /** Every message the hub sent so far, in order. */
  readonly messages: readonly HubMessage[];
  /** Sends `message` with `v: 1` added (unless it has its own `v`). */
  readonly send: (message: Readonly<Record<string, unknown>>) => void;
  /** Sends a frame as it is. */
  readonly sendRaw: (data: Buffer | string) => void;
  readonly socket: WebSocket;
  /** Resolves with the first message from the `from`-th on that `predicate` accepts. */
  readonly waitFor: {
    <Found extends HubMessage>(predicate: (message: HubMessage) => message is Found, from?: number): Promise<Found>;
    (predicate: (message: HubMessage) => boolean, from?: number): Promise<HubMessage>;
  };
};

/** A worker written by hand against the protocol, to drive the hub message by message. */
export const connectRawClient = async (url: string, token = 'worker-secret'): Promise<RawClient> => {
  const socket = new WebSocket(url, {headers: {authorization: `Bearer ${token}`}});
  const messages: HubMessage[] = [];
  const listeners = new Set<() => void>();
  const closed = new Promise<number>((resolve) => {
    socket.on('close', (code) => {
      resolve(code);

      for (const listener of listeners) {
        listener();
      }
    });
  });

  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as HubMessage);

    for (const listener of listeners) {
      listener();
    }
  });
  socket.on('error', () => undefined);

  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });

  const waitFor = async <Found extends HubMessage>(predicate: (message: HubMessage) => boolean, from = 0): Promise<Found> => {
    let check: () => void = () => undefined;

    try {
      return await new Promise<Found>((resolve, reject) => {
        check = () => {
          const found = messages.slice(from).find(predicate);

          if (found !== undefined) {
            resolve(found as Found);
          } else if (socket.readyState === WebSocket.CLOSED) {
            reject(new Error(`The socket closed before the awaited message; got ${JSON.stringify(messages)}`));
          }
        };

        listeners.add(check);
        check();
      });
    } finally {
      listeners.delete(check);
    }
  };

  const send = (message: Readonly<Record<string, unknown>>) => {
    socket.send(JSON.stringify({v: 1, ...message}));
  };

  return {
    closed,
    hello: async ({clientId = `raw-${Math.random()}`, concurrency = 1, jobs = [], name = 'raw', tasks = []} = {}) => {
      const from = messages.length;

      send({clientId, concurrency, jobs, name, tasks, type: 'hello'});

      return await waitFor((message): message is Extract<HubMessage, {readonly type: 'welcome'}> => message.type === 'welcome', from);
    },
    messages,
    send,
    sendRaw: (data) => {
      socket.send(data);
    },
    socket,
    waitFor,
  };
};

/** A predicate for `waitFor`: the message of that type (and job, if given). */
export const ofType = <Type extends HubMessage['type']>(type: Type, jobId?: number) => {
  return (message: HubMessage): message is Extract<HubMessage, {readonly type: Type}> => message.type === type && (jobId === undefined || (message as {readonly jobId?: number}).jobId === jobId);
};
