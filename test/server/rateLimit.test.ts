/**
 * The rate limit of the HTTP API through real requests from two client addresses (127.0.0.1 and
 * 127.0.0.2, both loopback): per address without tokens, per token with them, and per address for
 * requests without a valid token, so guessing tokens is limited too.
 */
import {request as httpRequest} from 'node:http';
import test from 'ava';
import {WebSocket} from 'ws';
import {createMemorySchedulerStore} from '../../src/scheduler/index.ts';
import {startServer} from './helpers/startServer.ts';

const ADMIN = 'admin-token-0123456789';
const LIMIT = {max: 3, timeWindow: 600_000};

type Answer = {readonly body: {readonly code?: string}; readonly status: number};

/** GET `path` from the local address `from`, with `token` as a bearer token if given. */
const get = async (url: string, path: string, from: string, token?: string): Promise<Answer> => {
  return await new Promise<Answer>((resolve, reject) => {
    const outgoing = httpRequest(`${url}${path}`, {headers: token === undefined ? {} : {authorization: `Bearer ${token}`}, localAddress: from}, (response) => {
      let text = '';

      response.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      }).on('end', () => {
        resolve({body: JSON.parse(text) as Answer['body'], status: response.statusCode ?? 0});
      }).on('error', reject);
    });

    outgoing.on('error', reject).end();
  });
};

/** Opens a WebSocket to the workers' hub from the local address `from` and resolves the status of its refusal (or 101 if it opened). */
const upgrade = async (url: string, from: string, token: string): Promise<number> => {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/v1/workers`, {headers: {authorization: `Bearer ${token}`}, localAddress: from});

  return await new Promise<number>((resolve, reject) => {
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      socket.terminate();
    });
    socket.once('open', () => {
      resolve(101);
      socket.terminate();
    });
    socket.once('error', reject);
  });
};

const statuses = async (count: number, send: () => Promise<Answer>): Promise<number[]> => {
  const result: number[] = [];

  for (let index = 0; index < count; index++) {
    result.push((await send()).status);
  }

  return result;
};

test('without tokens each client address has its own rate limit: one client over it does not stop another', async (t) => {
  const {api} = await startServer(t, createMemorySchedulerStore(), {rateLimit: LIMIT});

  t.deepEqual(await statuses(4, async () => await get(api.url, '/v1/tasks', '127.0.0.1')), [200, 200, 200, 429]);
  t.like(await get(api.url, '/v1/tasks', '127.0.0.1'), {body: {code: 'RATE_LIMITED'}, status: 429});
  t.deepEqual(await statuses(3, async () => await get(api.url, '/v1/tasks', '127.0.0.2')), [200, 200, 200], 'the other address still passes');
  t.like(await get(api.url, '/v1/tasks', '127.0.0.2'), {body: {code: 'RATE_LIMITED'}, status: 429});
});

test('requests with a bad token count against their address: a brute force of tokens gets 429 after the limit, other addresses and valid tokens still pass', async (t) => {
  const {api} = await startServer(t, createMemorySchedulerStore(), {auth: {tokens: [{role: 'admin', token: ADMIN}]}, rateLimit: LIMIT});
  const guesses = Array.from({length: 5}, (_, index) => `guessed-token-${String(index).padStart(8, '0')}`);
  const answers: Answer[] = [];

  for (const guess of guesses) {
    answers.push(await get(api.url, '/v1/tasks', '127.0.0.2', guess));
  }

  t.deepEqual(answers.map(({body, status}) => [status, body.code]), [[401, 'UNAUTHORIZED'], [401, 'UNAUTHORIZED'], [401, 'UNAUTHORIZED'], [429, 'RATE_LIMITED'], [429, 'RATE_LIMITED']]);
  t.like(await get(api.url, '/v1/tasks', '127.0.0.2'), {status: 429}, 'no token at all is limited alike');
  t.like(await get(api.url, '/v1/tasks', '127.0.0.2', ADMIN), {status: 200}, 'the admin token has its own limit, from the same address');
  t.like(await get(api.url, '/v1/tasks', '127.0.0.1', guesses[0]), {body: {code: 'UNAUTHORIZED'}, status: 401}, 'another address has its own limit');
  t.like(await get(api.url, '/health', '127.0.0.2'), {status: 200}, 'probes are not limited');
});

test('a token over its limit is 429 from any address; WebSocket upgrades with a bad token are limited per address too', async (t) => {
  const {api} = await startServer(t, createMemorySchedulerStore(), {auth: {tokens: [{role: 'admin', token: ADMIN}]}, rateLimit: LIMIT});

  t.deepEqual(await statuses(3, async () => await get(api.url, '/v1/tasks', '127.0.0.1', ADMIN)), [200, 200, 200]);
  t.like(await get(api.url, '/v1/tasks', '127.0.0.2', ADMIN), {body: {code: 'RATE_LIMITED'}, status: 429});

  const refusals: number[] = [];

  for (let attempt = 0; attempt < 4; attempt++) {
    refusals.push(await upgrade(api.url, '127.0.0.2', 'guessed-token-000000'));
  }

  t.deepEqual(refusals, [401, 401, 401, 429]);
});
