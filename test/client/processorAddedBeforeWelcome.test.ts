/**
 * A processor added after the worker's `hello` left and before the hub's `welcome` came back reaches
 * the hub as a `processors` message at the welcome (the hello offered the tasks of its moment, and
 * a worker not yet greeted sends nothing else). The hub is a scripted peer on a real WebSocket
 * server here, the one way to hold its welcome for as long as the test needs.
 */
import {once} from 'node:events';
import type {AddressInfo} from 'node:net';
import test from 'ava';
import {WebSocketServer, type WebSocket} from 'ws';
import {connectWorker} from '../../src/client/index.ts';
import {PROTOCOL_VERSION} from '../../src/server/protocol/messages.ts';
import {until} from '../helpers/until.ts';

test('a processor added between hello and welcome is offered to the hub right after the welcome', async (t) => {
  const server = new WebSocketServer({host: '127.0.0.1', port: 0});
  const received: Array<Record<string, unknown>> = [];
  let peer: WebSocket | null = null;

  server.on('connection', (socket) => {
    peer = socket;
    socket.on('message', (data) => {
      received.push(JSON.parse(String(data)) as Record<string, unknown>);
    });
  });
  await once(server, 'listening');
  t.teardown(async () => {
    await new Promise((resolve) => {
      server.close(resolve);
    });
  });

  const {port} = server.address() as AddressInfo;
  const worker = connectWorker({token: 'worker-secret', url: `ws://127.0.0.1:${port}/v1/workers`});
  const errors: Error[] = [];

  worker.events.on('error', ({error}) => {
    errors.push(error);
  });
  t.teardown(async () => {
    await worker.close();
  });
  worker.processor('first', () => undefined);

  await until(() => received.some((message) => message.type === 'hello'));
  t.like(received.find((message) => message.type === 'hello'), {tasks: ['first'], v: PROTOCOL_VERSION});

  // Not greeted yet: nothing is sent now.
  worker.processor('second', () => undefined);
  t.false(received.some((message) => message.type === 'processors'));

  (peer as WebSocket | null)?.send(JSON.stringify({heartbeatInterval: 60_000, leaseDuration: 120_000, resumed: false, type: 'welcome', v: PROTOCOL_VERSION}));
  await until(() => received.some((message) => message.type === 'processors'));
  t.like(received.find((message) => message.type === 'processors'), {tasks: ['first', 'second'], type: 'processors', v: PROTOCOL_VERSION});
  t.deepEqual(errors, []);
});
