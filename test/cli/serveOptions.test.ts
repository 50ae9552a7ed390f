/**
 * `planton serve`'s options for the worker hub (`--lease-duration`, `--heartbeat-interval`) and for
 * failure webhooks (`--webhook-url`, the secret from PLANTON_WEBHOOK_SECRET_FILE), each seen from
 * outside: in the `welcome` a worker gets, and in a signed POST a receiver gets. The secret is never printed.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {createServer as createHttpServer, type IncomingHttpHeaders} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {connectWorker} from '../../src/client/index.ts';
import {signWebhookBody} from '../../src/server/index.ts';
import {until} from '../helpers/until.ts';
import {connectRawClient} from '../server/helpers/connectRawClient.ts';
import {createTask} from './helpers/createTask.ts';
import {runPlanton, type ServeProcess, startServe} from './helpers/runPlanton.ts';

const ADMIN = 'admin-token-0123456789';
const WORKER = 'worker-token-0123456789';
const SECRET = 'webhook-secret-0123456789abcdef';
const directory = mkdtempSync(join(tmpdir(), 'planton-serve-options-'));
const secretFile = join(directory, 'webhook-secret');
const received: Array<{readonly body: string; readonly headers: IncomingHttpHeaders}> = [];
const receiver = createHttpServer((request, response) => {
  const chunks: Buffer[] = [];

  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    received.push({body: Buffer.concat(chunks).toString('utf8'), headers: request.headers});
    response.writeHead(204).end();
  });
});
let serve: ServeProcess;

test.before(async () => {
  await new Promise<void>((resolve) => {
    receiver.listen(0, '127.0.0.1', resolve);
  });
  writeFileSync(secretFile, `${SECRET}\n`);
  serve = await startServe(
    ['--port', '0', '--data-dir', join(directory, 'data'), '--lease-duration', '9s', '--heartbeat-interval', '2500ms', '--webhook-url', `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`],
    {PLANTON_TOKENS: `admin:${ADMIN}:ops,worker:${WORKER}:fleet`, PLANTON_WEBHOOK_SECRET_FILE: secretFile},
  );
});

test.after.always(async () => {
  await serve.stop();
  receiver.closeAllConnections();
  await new Promise((resolve) => {
    receiver.close(resolve);
  });
  rmSync(directory, {force: true, recursive: true});
});

test.serial('`--lease-duration 9s --heartbeat-interval 2500ms` are what the hub tells a worker in its welcome', async (t) => {
  const client = await connectRawClient(`${serve.url.replace(/^http/u, 'ws')}/v1/workers`, WORKER);

  t.teardown(() => {
    client.socket.terminate();
  });
  t.like(await client.hello({name: 'raw', tasks: []}), {heartbeatInterval: 2500, leaseDuration: 9000, type: 'welcome'});
});

test.serial('`--webhook-url` gets a failed job\'s notification, signed with the secret of PLANTON_WEBHOOK_SECRET_FILE; the secret is never printed', async (t) => {
  await createTask(serve.url, 'breaks', {retry: {attempts: 1}, schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 30_000}, ADMIN);

  const worker = connectWorker({reconnectDelay: {initialDelay: 20, maxDelay: 200}, token: WORKER, url: `${serve.url}/v1/workers`});

  t.teardown(async () => {
    await worker.close();
  });
  worker.processor('breaks', () => {
    throw Object.assign(new Error('disk full'), {code: 'ENOSPC'});
  });
  await new Promise<void>((resolve) => {
    worker.events.once('connect', () => {
      resolve();
    });
  });

  const created = await fetch(`${serve.url}/v1/tasks/breaks/jobs`, {body: '{}', headers: {authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json'}, method: 'POST'});

  t.is(created.status, 201);

  const {id} = await created.json() as {readonly id: number};

  await until(() => received.some(({body}) => (JSON.parse(body) as {readonly jobId?: unknown}).jobId === id), 60_000);

  const delivery = received.find(({body}) => (JSON.parse(body) as {readonly jobId?: unknown}).jobId === id);
  const timestamp = Number(delivery?.headers['x-planton-timestamp']);

  t.like(JSON.parse(delivery?.body ?? '{}'), {error: {code: 'ENOSPC', message: 'disk full'}, jobId: id, taskName: 'breaks'});
  t.is(delivery?.headers['x-planton-signature'], signWebhookBody({body: delivery?.body ?? '', secret: SECRET, timestamp}));
  t.regex(serve.output(), /; 1 webhook/u);
  t.false(serve.output().includes(SECRET));
});

test('`--webhook-url` without PLANTON_WEBHOOK_SECRET or PLANTON_WEBHOOK_SECRET_FILE exits 1 with MISSING_WEBHOOK_SECRET, before opening the database', async (t) => {
  const result = await runPlanton(['serve', '--port', '0', '--data-dir', join(directory, 'unused'), '--webhook-url', 'http://127.0.0.1:9/hook'], {PLANTON_WEBHOOK_SECRET: '', PLANTON_WEBHOOK_SECRET_FILE: ''});

  t.is(result.code, 1);
  t.regex(result.stderr, /^error: MISSING_WEBHOOK_SECRET: /mu);
});

test('a malformed `--lease-duration`, `--heartbeat-interval` or `--webhook-url` is a usage error (exit 2)', async (t) => {
  for (const args of [['--lease-duration', 'soon'], ['--heartbeat-interval', '0'], ['--webhook-url', 'ftp://example.com/hook']]) {
    const result = await runPlanton(['serve', ...args]);

    t.is(result.code, 2, args.join(' '));
    t.regex(result.stderr, /Expected (?:a duration|an http)/u, args.join(' '));
  }
});
