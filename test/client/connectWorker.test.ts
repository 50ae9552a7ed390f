/**
 * connectWorker in this process against a worker hub over real sockets (a scheduler on PGlite, the
 * hub on a manual clock): the job API as in process, the timeout, a refused late result, close.
 */
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {connectWorker, type Worker} from '../../src/client/index.ts';
import type {Job} from '../../src/scheduler/processorTypes.ts';
import {createTcpProxy} from '../helpers/createTcpProxy.ts';
import {findFreePort} from '../helpers/findFreePort.ts';
import {usePglite} from '../helpers/postgres.ts';
import {until} from '../helpers/until.ts';
import {createHubHarness, START} from '../server/helpers/createHubHarness.ts';

const SECOND = 1_000;
const LEASE = 10 * SECOND;
const pglite = usePglite();

/** A worker of the test, closed at its teardown; `connected` resolves on its first welcome. */
const startWorker = (t: {readonly teardown: (callback: () => Promise<void>) => void}, url: string, options: {readonly concurrency?: number; readonly token?: string} = {}) => {
  const worker = connectWorker({reconnectDelay: {initialDelay: 20, maxDelay: 200}, token: 'worker-secret', url, ...options});
  const errors: Error[] = [];
  const connected = new Promise<boolean>((resolve) => {
    worker.events.once('connect', ({resumed}) => {
      resolve(resumed);
    });
  });

  worker.events.on('error', ({error}) => {
    errors.push(error);
  });
  t.teardown(async () => {
    await worker.close();
  });

  return {connected, errors, worker};
};

test('a remote job has the job API of a job in process: payload, log, progress, done(result), fail(error) with the retry policy', async (t) => {
  const h = await createHubHarness(t, pglite, {hub: {leaseDuration: LEASE}});

  await h.scheduler.schedule({name: 'ok', payload: {table: 'users'}, schedule: {date: new Date(START)}, timeout: 30 * SECOND});
  await h.scheduler.schedule({name: 'broken', retry: {attempts: 2, backoff: {delay: SECOND, type: 'fixed'}}, schedule: {date: new Date(START)}, timeout: 30 * SECOND});

  const {connected, worker} = startWorker(t, h.server.url, {concurrency: 2});
  const seen: Job[] = [];

  worker.processor('ok', async (job) => {
    seen.push(job);
    await job.log('A Fox once saw a Crow');
    await job.progress(0.5, 'halfway');

    return {archived: job.payload};
  });
  worker.addProcessor('broken', (job, done) => {
    done(Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'}));
  });
  t.false(await connected);
  await h.clock.advance(0);
  await until(() => h.events.succeeded.length === 1 && h.events.retry.length === 1);

  t.like(seen[0], {attempt: 1, payload: {table: 'users'}, scheduledFor: new Date(START), slotCount: 1, taskName: 'ok', timeout: 30 * SECOND});
  t.like(h.events.succeeded[0], {job: {state: 'DONE', taskName: 'ok'}, result: {archived: {table: 'users'}}});
  // Both at the same instant (the hub's clock stands still): their order is the store's.
  const logs = await h.scheduler.getJobLogs(seen[0]?.id ?? 0);

  t.like(logs.find(({message}) => message !== null), {message: 'A Fox once saw a Crow'});
  t.like(logs.find(({message}) => message === null), {progress: 0.5, step: 'halfway'});
  t.like(h.events.retry[0], {error: {code: 'ECONNRESET', message: 'socket hang up'}, job: {state: 'WAITING', taskName: 'broken'}});
  t.like(h.hub.listWorkers(), [{concurrency: 2, connected: true, tasks: ['ok', 'broken']}]);
});

test('the server\'s timeout reaches the handler: the timeout event, the aborted signal, and done answering job_timed_out', async (t) => {
  const h = await createHubHarness(t, pglite, {hub: {leaseDuration: LEASE}});

  await h.scheduler.schedule({name: 'slow', retry: {attempts: 1}, schedule: {date: new Date(START)}, timeout: 5 * SECOND});

  const {connected, worker} = startWorker(t, h.server.url);
  const timeouts: number[] = [];
  let running: Job | null = null;

  worker.processor('slow', (job, _done) => {
    running = job;
    job.on('timeout', (timeout) => {
      timeouts.push(timeout);
    });
  });
  await connected;
  await h.clock.advance(0);
  await until(() => running !== null);
  await h.clock.advance(5 * SECOND);
  await until(() => timeouts.length === 1);

  const job = running as unknown as Job;

  t.deepEqual(timeouts, [5 * SECOND]);
  t.like(job.signal.reason, {code: 'job_timed_out'});
  await t.throwsAsync(job.done(), {code: 'job_timed_out'});
  await until(() => h.events.failed.length === 1);
  t.like(h.events.failed[0], {error: {code: 'job_timed_out'}});
});

test('a worker cut off longer than its lease: its job goes to another worker, and its late done calls back ATTEMPT_REASSIGNED once the connection is back', async (t) => {
  const h = await createHubHarness(t, pglite, {hub: {leaseDuration: LEASE}});
  const proxy = await createTcpProxy({host: '127.0.0.1', port: h.server.port});

  t.teardown(async () => {
    await proxy.close();
  });
  await h.scheduler.schedule({name: 'leased', retry: {attempts: 3, backoff: {delay: SECOND, type: 'fixed'}}, schedule: {date: new Date(START)}, timeout: 60 * SECOND});

  const cut = startWorker(t, `ws://127.0.0.1:${proxy.port}/v1/workers`);
  let stale: Job | null = null;

  cut.worker.processor('leased', (job, _done) => {
    stale = job;
  });
  await cut.connected;
  await h.clock.advance(0);
  await until(() => stale !== null);

  proxy.setAvailable(false);
  await until(() => h.hubEvents.disconnect.length === 1);
  await h.clock.advance(LEASE);
  await until(() => h.events.retry.length === 1);
  t.like(h.events.retry[0], {error: {code: 'WORKER_LOST'}});

  const other = startWorker(t, h.server.url);
  const attempts: number[] = [];

  other.worker.processor('leased', (job) => {
    attempts.push(job.attempt);
  });
  await other.connected;
  await h.clock.advance(SECOND);
  await until(() => h.events.succeeded.length === 1);
  t.deepEqual(attempts, [2]);

  const answer = new Promise<Error | null>((resolve) => {
    void (stale as unknown as Job).done(resolve);
  });

  proxy.setAvailable(true);
  t.like(await answer, {attempt: 1, code: 'ATTEMPT_REASSIGNED'});
  t.like(await h.scheduler.getJob((stale as unknown as Job).id), {attempt: 2, state: 'DONE'});
  t.is(h.events.succeeded.length, 1);
});

test('a token the server refuses: the connection fails with server_unreachable (its cause the 401) and is tried again', async (t) => {
  const h = await createHubHarness(t, null, {hub: {leaseDuration: LEASE}});
  const {errors} = startWorker(t, h.server.url, {token: 'wrong'});

  await until(() => errors.length >= 2);
  t.like(errors[0], {code: 'server_unreachable'});
  t.regex(errors[0]?.message ?? '', /401/u);
});

test('close() waits for the running job, then says bye: the server ends the session at once', async (t) => {
  const h = await createHubHarness(t, pglite, {hub: {leaseDuration: LEASE}});

  await h.scheduler.schedule({name: 'finishing', schedule: {date: new Date(START)}, timeout: 60 * SECOND});

  const {connected, worker}: {connected: Promise<boolean>; worker: Worker} = startWorker(t, h.server.url);
  let finish = () => undefined as void;

  worker.processor('finishing', async () => {
    await new Promise<void>((resolve) => {
      finish = resolve;
    });

    return 'finished';
  });
  await connected;
  await h.clock.advance(0);
  await until(() => h.hub.listWorkers()[0]?.jobs.length === 1);

  const closed = worker.close();

  finish();
  await closed;
  t.like(h.events.succeeded, [{result: 'finished'}]);
  await until(() => h.hubEvents.leave.length === 1);
  t.like(h.hubEvents.leave[0], {jobIds: [], reason: 'it said bye'});
  t.throws(() => {
    worker.processor('other', () => undefined);
  }, {code: 'WORKER_CLOSED'});
});

test('a result JSON cannot hold: the job is done without it, and the worker\'s error event says INVALID_RESULT', async (t) => {
  const h = await createHubHarness(t, pglite, {hub: {leaseDuration: LEASE}});

  await h.scheduler.schedule({name: 'odd-result', schedule: {date: new Date(START)}, timeout: 30 * SECOND});

  const {connected, errors, worker} = startWorker(t, h.server.url);

  worker.processor('odd-result', () => ({count: 10n}));
  await connected;
  await h.clock.advance(0);
  await until(() => h.events.succeeded.length === 1);
  t.like(h.events.succeeded[0], {job: {state: 'DONE'}, result: undefined});
  t.like(errors, [{code: 'INVALID_RESULT', path: 'result.count'}]);
});

test('a worker process whose server is down stays up between its connection attempts (the clock\'s timers do not hold a process)', async (t) => {
  const port = await findFreePort();
  const child = spawn(process.execPath, [fileURLToPath(new URL('fixtures/unreachableWorker.ts', import.meta.url))], {
    env: {...process.env, PLANTON_URL: `ws://127.0.0.1:${port}/v1/workers`},
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';

  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });

  const [code] = await once(child, 'exit') as [number | null];

  t.is(code, 0);
  t.deepEqual(output.trim().split('\n'), Array.from({length: 5}, () => 'server_unreachable'));
});
