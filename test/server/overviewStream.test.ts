/** `GET /v1/overview/stream`: one shared producer of the overview, pushed over Server-Sent Events. */
import test from 'ava';
import {StoreUnreachableError} from '../../src/adapters/errors.ts';
import {createMemorySchedulerStore, createScheduler, type Scheduler} from '../../src/scheduler/index.ts';
import {createServer, type ServerConfiguration} from '../../src/server/index.ts';
import {createManualClock} from '../helpers/createManualClock.ts';
import {until} from '../helpers/until.ts';
import {watchUnhandledRejections} from '../helpers/watchUnhandledRejections.ts';
import {withDeadline} from '../helpers/withDeadline.ts';
import {openEventStream} from './helpers/openEventStream.ts';
import {START, startServer} from './helpers/startServer.ts';

const MINUTE = 60_000;
const at = (time: string) => `2026-01-01T${time}.000Z`;

/**
 * A server over a scheduler whose `listTasks` and `listJobs` calls are counted (the reads the
 * overview costs), and can be made to fail once; a manual clock at START.
 */
const startCountedServer = async (t: {readonly teardown: (callback: () => Promise<void>) => void}, configuration: Omit<ServerConfiguration, 'scheduler'> = {}) => {
  const clock = createManualClock(START);
  const scheduler = await createScheduler({clock, store: createMemorySchedulerStore(), syncInterval: 0, terminateTimeout: 0});
  const reads = {listJobs: 0, listTasks: 0};
  const statsReads = {count: 0};
  let failure: Error | null = null;
  const counted: Scheduler = {
    ...scheduler,
    listJobs: async (query) => {
      reads.listJobs++;

      return await scheduler.listJobs(query);
    },
    listTasks: async () => {
      reads.listTasks++;

      if (failure !== null) {
        const error = failure;

        failure = null;
        throw error;
      }

      return await scheduler.listTasks();
    },
    summarizeJobs: async (query) => {
      statsReads.count++;

      return await scheduler.summarizeJobs(query);
    },
  };
  const server = createServer({clock, ...configuration, scheduler: counted});

  t.teardown(async () => {
    await server.close();
    await scheduler.terminate();
  });

  const {url} = await server.listen({host: '127.0.0.1', port: 0});

  return {
    clock,
    failNextRead: (error: Error) => {
      failure = error;
    },
    reads,
    scheduler,
    server,
    statsReads,
    url,
  };
};

test('a subscriber gets the overview at once; a running job\'s progress and then its end each push one new overview, and nothing is sent while nothing changes', async (t) => {
  const {api, clock, scheduler} = await startServer(t, createMemorySchedulerStore(), {overviewStreamInterval: 1000});
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });

  await api.request('PUT', '/v1/tasks/{name}', {body: {schedule: {date: at('00:01:00')}, timeout: 10 * MINUTE}, params: {name: 'report'}});
  scheduler.addProcessor('report', async (job) => {
    await job.progress(0.5, 'half');
    await gate;
  });

  const stream = await openEventStream(`${api.url}/v1/overview/stream`);

  t.is(stream.response.status, 200);
  t.regex(stream.response.headers.get('content-type') ?? '', /^text\/event-stream/u);
  // No time has passed on the clock: the first overview is not waiting for the interval.
  await until(() => stream.events.length === 1);
  t.like(stream.events[0], {data: {failures: [], running: [], tasks: [{lastSuccess: null, name: 'report'}], workers: []}, event: 'overview'});

  await clock.advance(MINUTE);

  const {id} = (await scheduler.listJobs({taskName: 'report'})).jobs[0] as {id: number};

  await until(async () => (await scheduler.getJob(id))?.progress === 0.5);
  await clock.advance(1000);
  await until(() => stream.events.some(({data}) => data.running?.[0]?.progress === 0.5));
  t.like(stream.events.at(-1), {data: {running: [{id, progress: 0.5, state: 'RUNNING', step: 'half'}]}, event: 'overview'});

  // Five more reads that find the same overview send nothing.
  const count = stream.events.length;

  await clock.advance(5000);
  t.is(stream.events.length, count);

  release();
  await until(async () => (await scheduler.getJob(id))?.state === 'DONE');
  await clock.advance(1000);
  await until(() => stream.events.length === count + 1);
  t.like(stream.events.at(-1), {data: {running: [], tasks: [{lastSuccess: {id, status: 'succeeded'}, name: 'report'}]}, event: 'overview'});
  t.true(stream.events.every(({event}) => event === 'overview'));
});

test('a job that ends in this process wakes the producer: its overview comes without waiting for the interval', async (t) => {
  const {api, clock, scheduler} = await startServer(t, createMemorySchedulerStore(), {overviewStreamInterval: 3_600_000});

  await api.request('PUT', '/v1/tasks/{name}', {body: {schedule: {date: at('00:01:00')}, timeout: MINUTE}, params: {name: 'quick'}});
  scheduler.addProcessor('quick', () => undefined);

  const stream = await openEventStream(`${api.url}/v1/overview/stream`);

  await until(() => stream.events.length === 1);
  // A minute: the job runs and succeeds, an hour's interval is far off.
  await clock.advance(MINUTE);
  await until(() => stream.events.length === 2);
  t.like(stream.events[1], {data: {tasks: [{lastSuccess: {status: 'succeeded'}, name: 'quick'}]}, event: 'overview'});
});

test('two subscribers cost one read per interval, not two; the second gets the current overview at once', async (t) => {
  const {clock, reads, url} = await startCountedServer(t, {overviewStreamInterval: 1000});
  const first = await openEventStream(`${url}/v1/overview/stream`);

  await until(() => first.events.length === 1);
  t.deepEqual(reads, {listJobs: 2, listTasks: 1});

  const second = await openEventStream(`${url}/v1/overview/stream`);

  await until(() => second.events.length === 1);
  t.deepEqual(second.events[0], first.events[0]);
  t.deepEqual(reads, {listJobs: 2, listTasks: 1}, 'the second subscriber got the snapshot in hand');

  await clock.advance(3000);
  t.deepEqual(reads, {listJobs: 8, listTasks: 4}, 'one read (three queries) per second for both');
  t.is(first.events.length, 1, 'nothing changed, nothing sent');
  t.is(second.events.length, 1);
});

test('the overview\'s statistics are read once per 15 s for the stream and GET /v1/overview together, and again after a job of this process ended', async (t) => {
  const {clock, scheduler, statsReads, url} = await startCountedServer(t, {overviewStreamInterval: 1000});
  const stream = await openEventStream(`${url}/v1/overview/stream`);

  await until(() => stream.events.length === 1);
  t.is(statsReads.count, 1);

  await clock.advance(3000);
  t.is((await fetch(`${url}/v1/overview`)).status, 200);
  t.is(statsReads.count, 1, 'three stream reads and a GET within 15 s: the statistics of the first');

  await clock.advance(13_000);
  await until(() => statsReads.count === 2);

  await scheduler.schedule({name: 'quick', schedule: {date: new Date(clock.now() + 1000)}, timeout: MINUTE});
  scheduler.addProcessor('quick', () => undefined);
  await clock.advance(1000);
  await until(async () => (await scheduler.listJobs({taskName: 'quick'})).jobs[0]?.state === 'DONE');
  await clock.advance(1000);
  // Within the 15 s: only the job's end can have made the overview read the statistics again.
  await until(() => stream.events.some(({data}) => data.stats?.tasks?.some(({name}: {readonly name: string}) => name === 'quick')));
  t.is(statsReads.count, 3);
});

test('a read that fails sends `error` with its code and the stream goes on; the next overview is sent again', async (t) => {
  const rejections = watchUnhandledRejections(t);
  const {clock, failNextRead, url} = await startCountedServer(t, {overviewStreamInterval: 1000});
  const stream = await openEventStream(`${url}/v1/overview/stream`);

  await until(() => stream.events.length === 1);
  failNextRead(new StoreUnreachableError(new Error('connection refused')));
  await clock.advance(1000);
  await until(() => stream.events.length === 2);
  t.like(stream.events[1], {data: {code: 'STORE_UNREACHABLE', message: 'The database cannot be reached: connection refused'}, event: 'error'});

  // An unexpected failure keeps its message to the log.
  failNextRead(new Error('secret detail'));
  await clock.advance(1000);
  await until(() => stream.events.length === 3);
  t.deepEqual(stream.events[2], {data: {code: 'INTERNAL_ERROR', message: 'The server failed to handle the request; the failure is logged.'}, event: 'error', id: null});

  await clock.advance(1000);
  await until(() => stream.events.length === 4);
  t.deepEqual(stream.events[3], {...stream.events[0], id: null});
  t.deepEqual(rejections, []);
});

test('the producer watches the scheduler and the hub only while someone listens; close() ends open streams at once', async (t) => {
  // A close that waited for open streams would wait this long before cutting them.
  const {clock, scheduler, server, url} = await startCountedServer(t, {closeTimeout: 600_000, overviewStreamInterval: 1000});
  const baseline = {hub: server.workerHub.events.listenerCount('assign'), scheduler: scheduler.events.listenerCount('succeeded')};
  const abort = new AbortController();
  const response = await fetch(`${url}/v1/overview/stream`, {signal: abort.signal});

  t.is(response.status, 200);
  await until(() => scheduler.events.listenerCount('succeeded') === baseline.scheduler + 1);
  t.is(server.workerHub.events.listenerCount('assign'), baseline.hub + 1);
  abort.abort();
  await until(() => scheduler.events.listenerCount('succeeded') === baseline.scheduler);
  // The loop's pending wait ends with the last subscriber: time moving on reads nothing.
  await clock.advance(1000);
  t.is(server.workerHub.events.listenerCount('assign'), baseline.hub);

  const open = await openEventStream(`${url}/v1/overview/stream`);

  await until(() => open.events.length === 1);
  await withDeadline(server.close(), 'close() with an overview stream open', 60_000);
  await open.ended;
  t.is(open.events.length, 1);
  t.is(server.workerHub.events.listenerCount('assign'), baseline.hub);
});

test('a heartbeat comment goes out every 15 s while the stream is open', async (t) => {
  const {clock, url} = await startCountedServer(t, {overviewStreamInterval: 60_000});
  const response = await fetch(`${url}/v1/overview/stream`);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';

  const readUntil = async (pattern: RegExp) => {
    while (!pattern.test(text)) {
      const {done, value} = await reader.read();

      if (done) {
        throw new Error(`The stream ended before ${pattern}: ${text}`);
      }

      text += decoder.decode(value, {stream: true});
    }
  };

  await readUntil(/event: overview/u);
  t.notRegex(text, /: ping/u);
  await clock.advance(15_000);
  await readUntil(/: ping\n\n/u);
  t.pass();
  await reader.cancel();
});

test('the stream needs a `read` token (or the dashboard\'s session cookie): none is 401, a worker token 403', async (t) => {
  const tokens = [{role: 'read', token: 'read-token-0123456789ab'}, {role: 'worker', token: 'worker-token-0123456789'}] as const;
  const {api} = await startServer(t, createMemorySchedulerStore(), {auth: {tokens}, dashboard: false});

  t.like(await api.request('GET', '/v1/overview/stream'), {body: {code: 'UNAUTHORIZED'}, status: 401});
  t.like(await api.request('GET', '/v1/overview/stream', {token: tokens[1].token}), {body: {code: 'FORBIDDEN'}, status: 403});

  const withToken = await openEventStream(`${api.url}/v1/overview/stream`, {authorization: `Bearer ${tokens[0].token}`});

  t.is(withToken.response.status, 200);
  await until(() => withToken.events.length === 1);
  t.like(withToken.events[0], {event: 'overview'});

  const session = await api.request('POST', '/dashboard/session', {body: {token: tokens[0].token}});
  const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const withCookie = await openEventStream(`${api.url}/v1/overview/stream`, {cookie});

  t.is(withCookie.response.status, 200);
  await until(() => withCookie.events.length === 1);
  t.deepEqual(withCookie.events, withToken.events);
});

test('beyond `overviewStreamMaxSubscribers` open streams, one more is refused with 503 TOO_MANY_SUBSCRIBERS; a stream that closes makes room', async (t) => {
  const {api} = await startServer(t, createMemorySchedulerStore(), {overviewStreamMaxSubscribers: 2});
  const abort = new AbortController();
  const first = await fetch(`${api.url}/v1/overview/stream`, {signal: abort.signal});
  const second = await openEventStream(`${api.url}/v1/overview/stream`);

  t.is(first.status, 200);
  t.is(second.response.status, 200);
  t.like(await api.request('GET', '/v1/overview/stream'), {body: {code: 'TOO_MANY_SUBSCRIBERS'}, status: 503});

  abort.abort();

  let third: Awaited<ReturnType<typeof openEventStream>> | null = null;

  await until(async () => {
    const candidate = await openEventStream(`${api.url}/v1/overview/stream`);

    third = candidate.response.status === 200 ? candidate : null;

    return third !== null;
  });
  t.is((third as unknown as {response: Response}).response.status, 200);
});

test('`overviewStreamInterval` and `overviewStreamMaxSubscribers` must be integers >= 1', async (t) => {
  const scheduler = await createScheduler({store: createMemorySchedulerStore(), syncInterval: 0});

  t.teardown(async () => {
    await scheduler.terminate();
  });

  t.like(t.throws(() => createServer({overviewStreamInterval: 0, scheduler})), {code: 'INVALID_SERVER_CONFIGURATION', option: 'overviewStreamInterval'});
  t.like(t.throws(() => createServer({overviewStreamMaxSubscribers: 1.5, scheduler})), {code: 'INVALID_SERVER_CONFIGURATION', option: 'overviewStreamMaxSubscribers'});
});
