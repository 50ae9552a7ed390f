/** listen, close, configuration and metrics of createServer, through real sockets (memory store). */
import {connect} from 'node:net';
import test from 'ava';
import {createMemorySchedulerStore, createScheduler} from '../../src/scheduler/index.ts';
import {createServer, type ServerConfiguration} from '../../src/server/index.ts';
import {until} from '../helpers/until.ts';
import {withDeadline} from '../helpers/withDeadline.ts';
import {startServer} from './helpers/startServer.ts';

const ADMIN = 'admin-token-0123456789';

const createSchedulerForTest = async (t: {readonly teardown: (callback: () => Promise<void>) => void}) => {
  const scheduler = await createScheduler({store: createMemorySchedulerStore(), syncInterval: 0});

  t.teardown(async () => {
    await scheduler.terminate();
  });

  return scheduler;
};

test('without tokens listen refuses a host other than loopback (INSECURE_HOST) unless insecure; with tokens it listens anywhere', async (t) => {
  const scheduler = await createSchedulerForTest(t);
  const open = createServer({scheduler});
  const withTokens = createServer({auth: {tokens: [{role: 'admin', token: ADMIN}]}, scheduler});
  const insecure = createServer({insecure: true, scheduler});

  t.teardown(async () => {
    await Promise.all([open.close(), withTokens.close(), insecure.close()]);
  });

  for (const host of ['0.0.0.0', '::', '192.0.2.1']) {
    await t.throwsAsync(open.listen({host, port: 0}), {code: 'INSECURE_HOST'});
  }

  const local = await open.listen({host: '127.0.0.1', port: 0});

  t.is((await fetch(`${local.url}/health`)).status, 200);

  for (const server of [withTokens, insecure]) {
    const {port} = await server.listen({host: '0.0.0.0', port: 0});

    t.is((await fetch(`http://127.0.0.1:${port}/health`)).status, 200);
  }
});

for (const [title, configuration, option] of [
  ['bodyLimit 0', {bodyLimit: 0}, 'bodyLimit'],
  ['closeTimeout -1', {closeTimeout: -1}, 'closeTimeout'],
  ['readinessTimeout 1.5', {readinessTimeout: 1.5}, 'readinessTimeout'],
  ['rateLimit {max: 0}', {rateLimit: {max: 0, timeWindow: 1000}}, 'rateLimit'],
  ['no scheduler', {scheduler: undefined}, 'scheduler'],
] as const) {
  test(`createServer refuses ${title} with INVALID_SERVER_CONFIGURATION`, async (t) => {
    const scheduler = await createSchedulerForTest(t);

    t.throws(() => createServer({scheduler, ...configuration} as unknown as ServerConfiguration), {code: 'INVALID_SERVER_CONFIGURATION', message: new RegExp(`^Expected \`${option}\``, 'u')});
  });
}

test('listen refuses a port out of range', async (t) => {
  const server = createServer({scheduler: await createSchedulerForTest(t)});

  t.teardown(server.close);
  await t.throwsAsync(server.listen({port: 70_000}), {code: 'INVALID_SERVER_CONFIGURATION'});
});

test('/ready is 503 STORE_UNREACHABLE when the readiness check does not answer within readinessTimeout, /health still 200', async (t) => {
  const {api} = await startServer(t, createMemorySchedulerStore(), {readinessCheck: async () => await new Promise(() => undefined), readinessTimeout: 50});

  t.like(await api.request('GET', '/ready'), {body: {code: 'STORE_UNREACHABLE', message: 'The database cannot be reached: The store did not answer within 50 ms.'}, status: 503});
  t.like(await api.request('GET', '/health'), {body: {status: 'ok'}, status: 200});
});

test('close() cuts a request still in flight after closeTimeout, and resolves; a second close() is the same', async (t) => {
  const scheduler = await createSchedulerForTest(t);
  let started = false;
  const server = createServer({
    closeTimeout: 100,
    readinessCheck: async () => {
      started = true;
      await new Promise(() => undefined);
    },
    readinessTimeout: 600_000,
    scheduler,
  });
  const {url} = await server.listen({port: 0});
  const hanging = fetch(`${url}/ready`);

  await until(() => started);
  await withDeadline(Promise.all([server.close(), server.close()]), 'close() to resolve');
  await t.throwsAsync(hanging);
  await t.throwsAsync(fetch(`${url}/health`));
});

test('/metrics counts requests by route and status, and jobs by task and outcome with their durations and start lag, in the Prometheus text format', async (t) => {
  const {api, clock, scheduler} = await startServer(t, createMemorySchedulerStore());

  await api.request('PUT', '/v1/tasks/{name}', {body: {schedule: '1m', timeout: 10_000}, params: {name: 'tick'}});
  await api.request('GET', '/v1/jobs/{id}', {params: {id: 999}});
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started = false;

  scheduler.addProcessor('tick', async () => {
    started = true;
    await gate;
  });
  await clock.advance(60_000);
  // The job runs 2 s of the manual clock: the duration histogram sees 2 s, the lag histogram 0 s.
  await until(() => started);
  await clock.advance(2_000);
  release();
  await until(async () => (await scheduler.getTask('tick'))?.lastSuccess !== null);

  const response = await fetch(`${api.url}/metrics`);
  const text = await response.text();

  t.is(response.status, 200);
  t.regex(response.headers.get('content-type') ?? '', /^text\/plain/u);
  t.regex(text, /^planton_http_request_duration_seconds_count\{method="PUT",route="\/v1\/tasks\/:name",status_code="201"\} 1$/mu);
  t.regex(text, /^planton_http_request_duration_seconds_count\{method="GET",route="\/v1\/jobs\/:id",status_code="404"\} 1$/mu);
  t.regex(text, /^planton_jobs_total\{outcome="succeeded",task="tick"\} 1$/mu);
  t.regex(text, /^planton_job_duration_seconds_sum\{outcome="succeeded",task="tick"\} 2$/mu);
  t.regex(text, /^planton_job_duration_seconds_bucket\{le="1",outcome="succeeded",task="tick"\} 0$/mu);
  t.regex(text, /^planton_job_duration_seconds_bucket\{le="5",outcome="succeeded",task="tick"\} 1$/mu);
  t.regex(text, /^planton_job_start_lag_seconds_count\{task="tick"\} 1$/mu);
  t.regex(text, /^planton_job_start_lag_seconds_sum\{task="tick"\} 0$/mu);
  t.regex(text, /^process_cpu_seconds_total /mu);
});

test('a request that reaches the server while it closes (on a connection busy with another) gets 503 SERVER_CLOSING as JSON', async (t) => {
  const scheduler = await createSchedulerForTest(t);
  let answer: (() => void) | null = null;
  const lines: string[] = [];
  const server = createServer({
    logger: {stream: {write: (line) => lines.push(line)}},
    readinessCheck: async () => {
      await new Promise<void>((resolve) => {
        answer = resolve;
      });
    },
    scheduler,
  });
  const {port} = await server.listen({port: 0});
  const socket = connect({host: '127.0.0.1', port});
  let received = '';

  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });

  const ended = new Promise<void>((resolve) => {
    socket.once('close', () => {
      resolve();
    });
  });

  socket.write('GET /ready HTTP/1.1\r\nHost: x\r\n\r\n');
  await until(() => answer !== null);

  const closed = server.close();

  // The connection is busy, so the server keeps it; a request written on it now arrives while it closes.
  socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
  // The request log tells when the server has it.
  await until(() => lines.some((line) => line.includes('"url":"/health"')));
  (answer as (() => void) | null)?.();
  await withDeadline(Promise.all([closed, ended]), 'the server to close');

  const [first, second] = received.split(/(?=HTTP\/1\.1 )/u);

  t.regex(first ?? '', /^HTTP\/1\.1 200 [^]*\{"status":"ready"\}$/u);
  t.regex(second ?? '', /^HTTP\/1\.1 503 [^]*[Cc]onnection: close[^]*\{"code":"SERVER_CLOSING","message":"The server is shutting down; retry on another instance\."\}$/u);
});

test('a failure the server did not expect is 500 INTERNAL_ERROR, without its message', async (t) => {
  const scheduler = await createSchedulerForTest(t);
  const failing = {
    ...scheduler,
    listTasks: async () => {
      throw new Error('password=hunter2');
    },
  };
  const {api} = await startServer(t, createMemorySchedulerStore());
  const server = createServer({scheduler: failing});

  t.teardown(server.close);

  const {url} = await server.listen({port: 0});
  const response = await fetch(`${url}/v1/tasks`);
  const text = await response.text();

  t.is(response.status, 500);
  t.deepEqual(JSON.parse(text), {code: 'INTERNAL_ERROR', message: 'The server failed to handle the request; the failure is logged.'});
  t.like(await api.request('GET', '/v1/tasks'), {status: 200}, 'the same route on a sound scheduler');
});
