/**
 * Failure notifications through a real local HTTP receiver that checks the HMAC signature, on one
 * scheduler store (PGlite, PostgreSQL): run by one file per store.
 */
import {createHmac} from 'node:crypto';
import {createServer as createHttpServer, type IncomingHttpHeaders} from 'node:http';
import type {AddressInfo} from 'node:net';
import type {ExecutionContext, TestFn} from 'ava';
import type {SchedulerStoreFactory} from '../../scheduler/helpers/createHarness.ts';
import {until} from '../../helpers/until.ts';
import {startServer} from './startServer.ts';

export const SECRET = 'whsec-0123456789abcdef';

export type Received = {readonly body: string; readonly headers: IncomingHttpHeaders; readonly json: any; readonly signed: boolean};

/** A receiver on 127.0.0.1 that records each POST, checks its signature and answers `statuses[n]` to the n-th (then 204); `hold` keeps requests unanswered. */
export const startReceiver = async (t: ExecutionContext, {hold = false, statuses = []}: {readonly hold?: boolean; readonly statuses?: readonly number[]} = {}) => {
  const received: Received[] = [];
  const server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];

    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const expected = `sha256=${createHmac('sha256', SECRET).update(`${String(request.headers['x-planton-timestamp'])}.${body}`).digest('hex')}`;

      received.push({body, headers: request.headers, json: JSON.parse(body) as unknown, signed: request.headers['x-planton-signature'] === expected});

      if (!hold) {
        response.writeHead(statuses[received.length - 1] ?? 204).end();
      }
    });
  });

  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  t.teardown(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => {
      server.close(resolve);
    });
  });

  return {received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`};
};

export const defineWebhooksSuite = (test: TestFn, name: string, createStore: SchedulerStoreFactory) => {
  test(`${name}: a failed attempt, then the job failing for good, are POSTed signed to the matching webhooks; a 500 is retried after the backoff; deliveries are listed per job`, async (t) => {
    const {cleanup, store} = await createStore();

    t.teardown(async () => {
      await cleanup?.();
    });

    const receiver = await startReceiver(t, {statuses: [500]});
    const other = await startReceiver(t);
    const {api, clock, scheduler} = await startServer(t, store, {
      webhookOptions: {backoff: {initialDelay: 1000, maxDelay: 1000}},
      webhooks: [{secret: SECRET, url: receiver.url}, {secret: SECRET, taskNames: ['another task'], url: other.url}, {events: ['job.timed_out'], secret: SECRET, url: other.url}],
    });

    await api.request('PUT', '/v1/tasks/{name}', {body: {retry: {attempts: 2, backoff: {delay: 1000, type: 'fixed'}}, schedule: {date: '2026-01-01T00:01:00Z'}, timeout: 10_000}, params: {name: 'broken'}});
    scheduler.addProcessor('broken', () => {
      throw Object.assign(new Error('disk full'), {code: 'ENOSPC'});
    });

    const {id} = (await scheduler.listJobs({taskName: 'broken'})).jobs[0] as {id: number};

    await clock.advance(60_000);
    await until(() => receiver.received.length === 1);

    // The first POST got a 500: the notifier waits 1 s on the clock; the job's second attempt is due then too.
    await until(async () => {
      await clock.advance(250);

      return receiver.received.length === 3;
    });

    const byEvent = (event: string) => receiver.received.filter((request) => request.json.event === event);

    t.true(receiver.received.every((request) => request.signed), 'every signature verifies');
    t.is(byEvent('job.failed').length, 2);
    t.is(byEvent('job.dead').length, 1);
    t.is(byEvent('job.failed')[0]?.json.deliveryId, byEvent('job.failed')[1]?.json.deliveryId, 'a retry is the same delivery');
    t.like(byEvent('job.failed')[0]?.json, {attempt: 1, error: {code: 'ENOSPC', message: 'disk full'}, jobId: id, state: 'WAITING', taskName: 'broken'});
    t.like(byEvent('job.dead')[0]?.json, {attempt: 2, error: {code: 'ENOSPC', message: 'disk full'}, jobId: id, links: {job: `${api.url}/v1/jobs/${id}`, logs: `${api.url}/v1/jobs/${id}/logs`}, state: 'ERROR'});
    t.is(byEvent('job.dead')[0]?.headers['x-planton-event'], 'job.dead');
    t.is(other.received.length, 0, 'neither a webhook of another task nor one of another event');

    await until(async () => (await api.request('GET', '/v1/jobs/{id}/deliveries', {params: {id}})).body.deliveries.every((delivery: {state: string}) => delivery.state === 'DELIVERED'));

    const {body} = await api.request('GET', '/v1/jobs/{id}/deliveries', {params: {id}});

    t.like(body.deliveries, [
      // The origin only: read tokens see deliveries, and a webhook URL's path or query may be a secret.
      {attempts: 2, event: 'job.failed', jobId: id, lastError: null, lastStatus: 204, nextAttemptAt: null, state: 'DELIVERED', url: new URL(receiver.url).origin},
      {attempts: 1, event: 'job.dead', lastStatus: 204, state: 'DELIVERED'},
    ]);
    t.is(body.deliveries.length, 2);
    t.false(JSON.stringify(body).includes(SECRET));
    t.like(await api.request('GET', '/v1/jobs/{id}/deliveries', {params: {id: 987_654}}), {body: {code: 'UNKNOWN_JOB'}, status: 404});
  });
};
